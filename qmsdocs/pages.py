"""The `web` blueprint shared by the officials' page modules of every area, and what every view needs.

Shared page infrastructure: it imports no area, so any area's routes.py may register its pages here
(the procedure pages in qmsdocs/procedures/routes.py, agencies and users in qmsdocs/web/admin.py).
"""

from __future__ import annotations

from flask import Blueprint, Flask, flash, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from qmsdocs.db import session
from qmsdocs.errors import QmsError
from qmsdocs.text import fold

bp = Blueprint("web", __name__)

REQUIRED = _l("Trường này không được để trống.")


def actor():
    """The signed-in user as a plain object, for services and the audit trail."""
    return current_user._get_current_object()


def wants_json() -> bool:
    """Requests from the page's own scripts (upload) ask for JSON answers."""
    return request.accept_mimetypes.best == "application/json"


def form_errors(form) -> str:
    """All field errors of a WTForms form as one readable sentence list."""
    messages = []
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        messages += [f"{label}: {error}" for error in errors]
    return " ".join(messages)


def act_and_flash(action, success: str) -> bool:
    """Run a service for a page's form: a refusal becomes a flashed message with nothing stored,
    a success a confirmation; a refused permission stays a 403 page."""
    try:
        action()
    except QmsError as error:
        if error.status == 403:
            raise
        session.rollback()
        flash(error.message, "error")
        return False
    flash(success, "success")
    return True


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


# Agency pickers group by level, in the order officials think of the province.
AGENCY_GROUPS = {"province": _l("Cấp tỉnh"), "district": _l("Cấp huyện"), "commune": _l("Cấp xã")}


def agency_groups(agencies) -> list[tuple[str, list]]:
    """Agencies (anything with code, name, level) grouped by level and sorted by name within each.

    When they belong to several former provinces (a merged province), each province's levels
    form groups of their own, so "UBND xã Long Hòa" of one is not mistaken for the other's.
    """
    def province_of(agency):
        return getattr(agency, "former_province", None) or getattr(agency, "province", None) or ""

    provinces = sorted({province_of(a) for a in agencies}, key=fold)
    several = len([p for p in provinces if p]) > 1
    levels = list(AGENCY_GROUPS)
    groups = []
    for province in provinces if several else [None]:
        for level in levels + [None]:
            members = [a for a in agencies if (not several or province_of(a) == province)
                       and (a.level == level if level else a.level not in levels)]
            if not members:
                continue
            title = str(AGENCY_GROUPS[level]) if level else str(_l("Khác"))
            if several:
                title = f"{province or _l('Chưa ghi tỉnh')} · {title}"
            groups.append((title, sorted(members, key=lambda a: (fold(a.name), a.code))))
    return groups


def agency_label(agency) -> str:
    return f"{agency.name} ({agency.code})"


def agency_choices(agencies, *, blank: str | None = None) -> list[SelectChoice]:
    """WTForms choices for an agency picker: grouped as `agency_groups` says, `blank` first and ungrouped."""
    options = [SelectChoice("", blank)] if blank is not None else []
    for title, members in agency_groups(agencies):
        options += [SelectChoice(a.code, agency_label(a), optgroup=title) for a in members]
    return options


def scoped_args(args):
    """List filters with the signed-in official's own agency as the default scope.

    An official mostly acts on their own agency, so a list opened without an `agency` filter shows
    it; choosing "all agencies" sends an empty `agency` and widens the list. Returns the arguments
    to filter with and the agency the list was narrowed to by default (None when it was not).
    """
    agency = getattr(current_user, "agency", None)
    if "agency" in args or agency is None:
        return args, None
    scoped = args.copy()
    scoped["agency"] = agency.code
    return scoped, agency


def interval_field(label, *, required: bool):
    """A review interval in months (agencies and procedures both have one)."""
    validators = [NumberRange(1, 120, message=_l("Chu kỳ rà soát phải từ 1 đến 120 tháng."))]
    validators.insert(0, InputRequired(message=REQUIRED) if required else Optional())
    return IntegerField(label, validators=validators)


def init_app(app: Flask) -> None:
    """Register the shared blueprint last (see qmsdocs.AREAS): Flask refuses views added after registration."""
    app.add_template_global(agency_groups, "agency_groups")
    app.add_template_global(agency_label, "agency_label")
    app.register_blueprint(bp)
