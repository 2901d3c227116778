"""Officials' pages: home, procedures, upload, history, approval, agencies, users."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, url_for
from flask_login import login_required

bp = Blueprint("web", __name__)


@bp.get("/")
@login_required
def home():
    return redirect(url_for("web.procedures"))


@bp.get("/procedures")
@login_required
def procedures():
    from flask import render_template

    return render_template("base.html")


@bp.get("/procedures/<int:procedure_id>")
@login_required
def procedure_detail(procedure_id: int):
    from flask import render_template

    return render_template("base.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
