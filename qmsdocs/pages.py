"""The `web` blueprint shared by the officials' page modules of every area, and what every view needs.

Shared page infrastructure: it imports no area, so any area's routes.py may register its pages here
(the procedure pages in qmsdocs/procedures/routes.py, agencies and users in qmsdocs/web/admin.py).
"""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

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


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def interval_field(label, *, required: bool):
    """A review interval in months (agencies and procedures both have one)."""
    validators = [NumberRange(1, 120, message=_l("Chu kỳ rà soát phải từ 1 đến 120 tháng."))]
    validators.insert(0, InputRequired(message=REQUIRED) if required else Optional())
    return IntegerField(label, validators=validators)


def init_app(app: Flask) -> None:
    """Register the shared blueprint last (see qmsdocs.AREAS): Flask refuses views added after registration."""
    app.register_blueprint(bp)
