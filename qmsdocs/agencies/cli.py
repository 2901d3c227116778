"""`qms agencies load-units --province P` and `qms service-name NAME --from DATE`."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from qmsdocs.agencies import service_name, units
from qmsdocs.cli import qms
from qmsdocs.db import session
from qmsdocs.errors import QmsError

agencies_group = AppGroup("agencies", help="Cơ quan, đơn vị.")


@agencies_group.command("load-units")
@click.option("--province", required=True, help='Tỉnh, thành phố từ 01/7/2025, ví dụ "Vĩnh Long".')
@click.option("--parent", "parent_code", help="Mã cơ quan cấp trên của các UBND xã, phường (ví dụ UBND tỉnh).")
@click.option("--dry-run", is_flag=True, help="Chỉ in những gì sẽ làm, không thay đổi gì.")
def load_units_command(province: str, parent_code: str | None, dry_run: bool) -> None:
    """Tạo hoặc cập nhật UBND các xã, phường của tỉnh theo danh mục đơn vị hành chính chính thức."""
    try:
        report = units.load_units(province, parent_code=parent_code)
    except QmsError as error:
        session.rollback()
        raise click.ClickException(error.message) from None
    if dry_run:
        session.rollback()
    else:
        session.commit()
    click.echo(f"{report.province}: {report.total} đơn vị cấp xã theo {units.data_version()}; "
               f"{len(report.created)} tạo mới, {len(report.updated)} cập nhật, {report.unchanged} không đổi."
               + (" Chạy thử: không thay đổi gì." if dry_run else ""))


def _day(_ctx, _param, value):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise click.BadParameter("ngày phải có dạng YYYY-MM-DD, ví dụ 2025-07-01.") from None


@qms.command("service-name")
@click.argument("name", required=False)
@click.option("--from", "effective_on", callback=lambda c, p, v: _day(c, p, v) if v else None,
              help="Ngày bắt đầu dùng tên này (YYYY-MM-DD).")
@click.option("--province", help='Tỉnh của đơn vị, ví dụ "Vĩnh Long".')
@click.option("--former-province", "former", multiple=True, help="Tỉnh cũ đã hợp thành (lặp lại).")
@click.option("--decision", help="Văn bản căn cứ, ví dụ Nghị quyết 202/2025/QH15.")
def service_name_command(name: str | None, effective_on: date | None, province: str | None, former: tuple,
                         decision: str | None) -> None:
    """Ghi tên đơn vị dùng hệ thống từ một ngày (không có NAME: in lịch sử tên)."""
    if name:
        if effective_on is None:
            raise click.ClickException("Hãy nêu ngày bắt đầu dùng tên: --from YYYY-MM-DD.")
        try:
            service_name.set_service_name(name, effective_on=effective_on, province=province,
                                          former_provinces=former, decision=decision)
        except QmsError as error:
            session.rollback()
            raise click.ClickException(error.message) from None
        session.commit()
    for entry in service_name.history():
        formers = f" (hợp thành từ {entry.former_provinces})" if entry.former_provinces else ""
        click.echo(f"từ {entry.effective_on:%d/%m/%Y}: {entry.name}{formers}")


qms.add_command(agencies_group)
