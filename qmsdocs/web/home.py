"""The home page: what needs the signed-in official's attention, and recent activity."""

from __future__ import annotations

from flask import Flask, render_template
from flask_login import login_required

from qmsdocs.pages import actor, bp
from qmsdocs.procedures import queries
from qmsdocs.web import admin  # noqa: F401  (its views register on the shared blueprint)
from qmsdocs.web.filters import event_procedure_id
from qmsdocs.web.next_steps import next_steps


@bp.get("/")
@login_required
def home():
    user = actor()
    data = queries.home_data(user)
    event_procedures = queries.procedures_by_id(event_procedure_id(event) for event in data.recent_events)
    return render_template("web/home.html", data=data, event_procedures=event_procedures,
                           can_create=bool(queries.writable_agencies(user)), steps=next_steps(user, data))


def init_app(app: Flask) -> None:
    """The home and administration views sit on the shared `web` blueprint (registered by qmsdocs.pages)."""
