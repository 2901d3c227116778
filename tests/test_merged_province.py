"""The merged province: the service's names over time, former provinces through the import, official units."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from qmsdocs.agencies.models import Agency
from qmsdocs.db import session
from tests.conftest import PASSWORD
from tests.test_archive import export, import_into, other_service  # noqa: F401 - fixture


def test_service_name_has_a_history_with_its_former_provinces(app, runner):
    first = runner.invoke(args=["qms", "service-name", "UBND tỉnh Trà Vinh", "--from", "2019-01-01",
                                "--province", "Tra Vinh"])
    assert first.exit_code == 0, first.output
    merged = runner.invoke(args=["qms", "service-name", "UBND tỉnh Vĩnh Long", "--from", "2025-07-01",
                                 "--province", "Vĩnh Long", "--former-province", "Trà Vinh",
                                 "--former-province", "Ben Tre", "--former-province", "Vĩnh Long",
                                 "--decision", "Nghị quyết 202/2025/QH15"])
    assert merged.exit_code == 0, merged.output
    assert "từ 01/07/2025: UBND tỉnh Vĩnh Long (hợp thành từ Trà Vinh, Bến Tre, Vĩnh Long)" in merged.output
    from datetime import date

    from qmsdocs.agencies.service_name import service_name_on

    with app.app_context():
        assert service_name_on(date(2024, 12, 31)).name == "UBND tỉnh Trà Vinh"
        now = service_name_on(date(2025, 7, 1))
        assert (now.name, now.province, now.former_provinces) == ("UBND tỉnh Vĩnh Long", "Vĩnh Long",
                                                                   ("Trà Vinh", "Bến Tre", "Vĩnh Long"))
        assert service_name_on(date(2018, 1, 1)) is None
    wrong = runner.invoke(args=["qms", "service-name", "X", "--from", "2025-07-01", "--former-province", "Atlantis"])
    assert wrong.exit_code != 0 and "không phải tên một tỉnh" in wrong.output
    no_date = runner.invoke(args=["qms", "service-name", "X"])
    assert no_date.exit_code != 0 and "--from" in no_date.output


def test_import_mapping_sets_the_former_province_of_new_agencies_only(app, runner, make_agency, other_service,
                                                                      tmp_path):
    make_agency("STP", "Sở Tư pháp tỉnh Trà Vinh", "province", kind="department", province="Trà Vinh")
    make_agency("SNV", "Sở Nội vụ tỉnh Trà Vinh", "province", kind="department", province="Trà Vinh")
    make_agency("SYT", "Sở Y tế tỉnh Trà Vinh", "province", kind="department", province="Trà Vinh")
    archive = export(runner, tmp_path / "tra-vinh.zip")
    other_service.test_cli_runner().invoke(args=["qms", "service-name", "UBND tỉnh Vĩnh Long", "--from",
                                                 "2025-07-01", "--province", "Vĩnh Long"])
    with other_service.app_context():
        from qmsdocs.agencies.services import create_agency

        create_agency("STP-VL", "Sở Tư pháp tỉnh Vĩnh Long", "province", province="Vĩnh Long",
                      former_province="Vĩnh Long")
        session.commit()
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("code,action,target,rename_suffix,former_province\nSTP,merge,STP-VL,,Trà Vinh\n"
                       "SNV,new,SNV-TV,,Tra Vinh\nSYT,new,SYT-TV,,Atlantis\n", encoding="utf-8")
    refused = import_into(other_service, archive, "--mapping", str(mapping))
    assert refused.exit_code != 0 and "former_province 'Atlantis' không phải tên một tỉnh" in refused.output
    mapping.write_text("code,action,target,rename_suffix,former_province\nSTP,merge,STP-VL,,Trà Vinh\n"
                       "SNV,new,SNV-TV,,Tra Vinh\nSYT,new,SYT-TV,,\n", encoding="utf-8")
    done = import_into(other_service, archive, "--mapping", str(mapping))
    assert done.exit_code == 0, done.output
    with other_service.app_context():
        rows = {a.code: (a.province, a.former_province) for a in session.scalars(select(Agency))}
    assert rows["SNV-TV"] == ("Vĩnh Long", "Trà Vinh")
    assert rows["SYT-TV"] == ("Vĩnh Long", "Trà Vinh"), "without the column, the province it had there"
    assert rows["STP-VL"] == ("Vĩnh Long", "Vĩnh Long"), "a merge target keeps its own"


def test_load_units_creates_the_124_communes_and_wards_of_vinh_long_idempotently(app, runner, make_agency):
    make_agency("UBND-TINH", "UBND tỉnh Vĩnh Long", "province", kind="provincial_committee")
    # One committee typed in by hand before the codes were known: it is found by its name.
    make_agency("XA-CAINHUM", "UBND xã Cái Nhum", "commune", kind="commune_committee")
    first = runner.invoke(args=["qms", "agencies", "load-units", "--province", "Vinh Long", "--parent", "UBND-TINH"])
    assert first.exit_code == 0, first.output
    assert "124 đơn vị cấp xã" in first.output and "123 tạo mới, 1 cập nhật" in first.output
    assert "vietnam-provinces" in first.output
    with app.app_context():
        communes = list(session.scalars(select(Agency).where(Agency.unit_code.is_not(None))))
        assert len(communes) == 124
        assert Counter(a.unit_type for a in communes) == {"commune": 105, "ward": 19}
        assert {a.parent.code for a in communes} == {"UBND-TINH"}
        by_code = {a.unit_code: a for a in communes}
        assert by_code["29641"].code == "XA-CAINHUM" and by_code["29641"].name == "UBND xã Cái Nhum"
        assert all(a.province == "Vĩnh Long" and a.kind == "commune_committee" for a in communes)
    again = runner.invoke(args=["qms", "agencies", "load-units", "--province", "Vĩnh Long"])
    assert again.exit_code == 0 and "0 tạo mới, 0 cập nhật, 124 không đổi" in again.output
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(Agency)) == 125
    former = runner.invoke(args=["qms", "agencies", "load-units", "--province", "Trà Vinh"])
    assert former.exit_code != 0 and "34 tỉnh, thành phố" in former.output
    dry = runner.invoke(args=["qms", "agencies", "load-units", "--province", "Bến Tre", "--dry-run"])
    assert dry.exit_code != 0
    dry = runner.invoke(args=["qms", "agencies", "load-units", "--province", "Cần Thơ", "--dry-run"])
    assert dry.exit_code == 0 and "Chạy thử" in dry.output
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(Agency)) == 125


def test_procedure_lists_filter_by_former_province(app, admin_api, make_agency, make_procedure, client, make_user):
    make_agency("STP-TV", "Sở Tư pháp (Trà Vinh cũ)", "province", former_province="Trà Vinh")
    make_agency("STP-VL", "Sở Tư pháp", "province", province="Vĩnh Long")
    tra_vinh = make_procedure(agency="STP-TV", code="QT-01/TV", title="Chứng thực bản sao")["id"]
    vinh_long = make_procedure(agency="STP-VL", code="QT-01/VL", title="Chứng thực chữ ký")["id"]

    def listed(**params):
        response = admin_api.get("/api/v1/procedures", query_string=params)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert sorted(listed()) == sorted([tra_vinh, vinh_long])
    assert listed(former_province="tra vinh") == [tra_vinh]
    assert listed(former_province="Vĩnh Long") == [vinh_long]
    refused = admin_api.get("/api/v1/procedures", query_string={"former_province": "Atlantis"})
    assert refused.status_code == 400 and "không phải tên một tỉnh" in refused.get_json()["error"]["message"]

    make_user("thu-ky", "admin")
    client.post("/login", data={"username": "thu-ky", "password": PASSWORD})
    page = client.get("/procedures?agency=&former_province=Trà Vinh").get_data(as_text=True)
    assert 'name="former_province"' in page and "QT-01/TV" in page and "QT-01/VL" not in page
