"""The `web` blueprint shared by the officials' page modules, and what every view needs."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

bp = Blueprint("web", __name__)


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
