"""Language (Vietnamese by default, English on request) and Vietnamese date formats."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask, redirect, request, session
from flask_babel import Babel
from flask_login import current_user

LANGUAGES = ("vi", "en")
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
babel = Babel()


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    user_language = getattr(current_user, "language", None) if current_user else None
    return user_language if user_language in LANGUAGES else "vi"


def format_date(value) -> str:
    """dd/mm/yyyy, as Vietnamese offices write dates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def local_time(value: datetime) -> datetime:
    """Times are stored in UTC without a zone; offices read them in Vietnam's time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(VIETNAM)


def local_today() -> date:
    """Today in Vietnam: a change effective 'today' is in force for the offices from midnight local time."""
    return datetime.now(VIETNAM).date()


def format_day(value) -> str:
    if isinstance(value, datetime):
        value = local_time(value).date()
    return format_date(value)


def set_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    target = request.referrer or "/"
    return redirect(target if target.startswith(request.host_url) or target.startswith("/") else "/")


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "vi")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_filter(format_date, "vndate")
    app.add_template_filter(format_day, "vnday")
    app.add_url_rule("/lang/<code>", "set_language", set_language)
