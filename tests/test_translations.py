"""The English catalog is complete: every string the templates and Python code mark has a translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.checkers import python_format
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[1]
PO = REPO / "qmsdocs/translations/en/LC_MESSAGES/messages.po"
MO = REPO / "qmsdocs/translations/en/LC_MESSAGES/messages.mo"
# The keywords of the documented `pybabel extract` command (docs/web.md).
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}
VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.I)


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle)


def _compiled():
    with MO.open("rb") as handle:
        return read_mo(handle)


def _marked_messages() -> set[str]:
    method_map = [("qmsdocs/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {name: spec or ((1,) if name != "ngettext" else (1, 2)) for name, spec in KEYWORDS.items()}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(REPO), method_map, keywords=keywords, options_map={"templates/**.html": {"encoding": "utf-8"}}):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return not message.fuzzy and all(strings)


def test_every_marked_string_has_an_english_translation():
    catalog = _catalog()
    missing = sorted(text for text in _marked_messages() if text and (
        catalog.get(text) is None or not _translated(catalog.get(text))))
    assert not missing, f"add these to the English catalog (docs/web.md says how): {missing[:20]}"


def test_the_catalog_has_no_fuzzy_or_empty_entries_and_keeps_placeholders():
    catalog = _catalog()
    for message in catalog:
        if not message.id:
            continue
        assert _translated(message), message.id
        if message.python_format:
            python_format(catalog, message)  # raises when the English drops or renames a placeholder


def test_the_compiled_catalog_is_the_current_one():
    catalog = _catalog()
    compiled = _compiled()
    for message in catalog:
        if message.id:
            assert compiled.get(message.id) is not None, f"run `pybabel compile -d qmsdocs/translations`: {message.id}"
            assert list(compiled.get(message.id).string) == list(message.string) if message.pluralizable \
                else compiled.get(message.id).string == message.string, message.id


def test_labels_shown_through_a_lookup_are_in_the_catalog():
    """Labels kept in dicts and translated where shown (`_(label)`) are marked N_ so extraction sees them."""
    from qmsdocs.agencies.history import ACTIONS
    from qmsdocs.agencies.kinds import KINDS, UNIT_TYPES
    from qmsdocs.agencies.models import LEVEL_LABELS
    from qmsdocs.alerts.models import RULE_LABELS, STATUS_LABELS as ALERT_STATUS
    from qmsdocs.catalog.models import CHANGE_LABELS as CATALOG_CHANGES, STATUS_LABELS as CATALOG_STATUS
    from qmsdocs.catalog.routes import LEVEL_NAMES
    from qmsdocs.legal.models import CHANGE_LABELS as LEGAL_CHANGES, STATUS_LABELS as LEGAL_STATUS
    from qmsdocs.reports.models import CLASSIFICATION_LABELS

    catalog = _catalog()
    for labels in (ACTIONS, KINDS, UNIT_TYPES, LEVEL_LABELS, RULE_LABELS, ALERT_STATUS, CATALOG_CHANGES,
                   CATALOG_STATUS, LEVEL_NAMES, LEGAL_CHANGES, LEGAL_STATUS, CLASSIFICATION_LABELS):
        for label in labels.values():
            assert catalog.get(str(label)) is not None and _translated(catalog.get(str(label))), label


def _text_outside_translation(source: str) -> str:
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    source = re.sub(r"\{%-?\s*trans\b.*?endtrans\s*-?%\}", " ", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", source, flags=re.S)
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    attributes = " ".join(value for name, value in re.findall(r'\b([\w-]+)="([^"]*)"', source)
                          if name in ("title", "alt", "aria-label"))
    return re.sub(r"<[^>]*>", " ", source) + " " + attributes


def test_templates_hold_no_vietnamese_outside_translation_calls():
    # The language switch names Vietnamese in Vietnamese, whatever the interface language.
    allowed = {"Tiếng Việt"}
    found = []
    for path in sorted((REPO / "templates").rglob("*.html")):
        for line in _text_outside_translation(path.read_text(encoding="utf-8")).splitlines():
            text = line.strip(" ·|")
            if VIETNAMESE.search(text) and text not in allowed:
                found.append(f"{path.relative_to(REPO)}: {text[:80]}")
    assert not found, found


def test_numbers_and_plurals_follow_the_language(app, client, runner, make_user):
    from flask import session

    from qmsdocs.reports.routes import percent

    for language, expected in (("en", "49.4%"), ("vi", "49,4%")):
        with app.test_request_context():
            session["lang"] = language
            assert percent(49.44) == expected
    assert runner.invoke(args=["qms", "demo"]).exit_code == 0
    make_user("quantri", "admin")
    client.post("/login", data={"username": "quantri", "password": "mat-khau-thu-nghiem"})
    client.get("/lang/en")
    page = client.get("/reports").get_data(as_text=True)
    assert "7 districts" in page and "85 communes" in page and "1 city" in page
    assert "7 district," not in page and "100,0%" not in page
