"""Text typed in the pre-Unicode Vietnamese fonts, converted to Unicode.

Before Decision 72/2002/QĐ-TTg made Unicode mandatory, Vietnamese was typed with 8-bit fonts
that draw Vietnamese letters in place of Latin-1 ones: TCVN3 (the "ABC" fonts, `.VnTime`,
`.VnArial`, ..., and their all-capitals `…H` variants) gives each accented letter one byte;
VNI (`VNI-Times`, `VNI-Helve`, ...) writes a base letter followed by one byte for its marks.
Word stores those bytes as the Windows-1252 characters they are, so "Nghị định" typed in
.VnTime reads "NghÞ ®Þnh". Only runs in such fonts are converted; Unicode runs beside them
are left alone.

The tables follow TCVN 5712:1993 (VN3) and VNI Software's VNI-Windows layout, as published in
the converters of Unikey and Vietkey.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

# --- TCVN3 (TCVN 5712:1993, VN3) --------------------------------------------------------------

_TCVN3_ROWS = {
    # byte: letter, listed by base letter in the order grave, hook, tilde, acute, dot below.
    0xB5: "àảãáạ", 0xBB: "ằẳẵắ", 0xC6: "ặ", 0xC7: "ầẩẫấậ", 0xCC: "è", 0xCE: "ẻẽéẹ",
    0xD2: "ềểễếệ", 0xD7: "ìỉ", 0xDC: "ĩíị", 0xDF: "ò", 0xE1: "ỏõóọ", 0xE5: "ồổỗốộ",
    0xEA: "ờởỡớợ", 0xEF: "ù", 0xF1: "ủũúụ", 0xF5: "ừửữứự", 0xFA: "ỳỷỹýỵ",
}
TCVN3_TABLE: dict[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
}
for _start, _letters in _TCVN3_ROWS.items():
    for _offset, _letter in enumerate(_letters):
        TCVN3_TABLE[_start + _offset] = _letter

# --- VNI-Windows ------------------------------------------------------------------------------

_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031B"
# Mark bytes after a vowel: lower-case letters take the lower-case byte, capitals the other.
VNI_MARKS: dict[str, str] = {}
for _lower, _upper, _marks in (
    ("ù", "Ù", _ACUTE), ("ø", "Ø", _GRAVE), ("û", "Û", _HOOK), ("õ", "Õ", _TILDE), ("ï", "Ï", _DOT),
    ("â", "Â", _CIRCUMFLEX), ("á", "Á", _CIRCUMFLEX + _ACUTE), ("à", "À", _CIRCUMFLEX + _GRAVE),
    ("å", "Å", _CIRCUMFLEX + _HOOK), ("ã", "Ã", _CIRCUMFLEX + _TILDE), ("ä", "Ä", _CIRCUMFLEX + _DOT),
    ("ê", "Ê", _BREVE), ("é", "É", _BREVE + _ACUTE), ("è", "È", _BREVE + _GRAVE),
    ("ú", "Ú", _BREVE + _HOOK), ("ü", "Ü", _BREVE + _TILDE), ("ë", "Ë", _BREVE + _DOT),
):
    VNI_MARKS[_lower] = VNI_MARKS[_upper] = _marks
# Bytes that are a letter on their own.
VNI_LETTERS = {
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ", "í": "í", "Í": "Í", "ì": "ì", "Ì": "Ì",
    "æ": "ỉ", "Æ": "Ỉ", "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị", "î": "ỵ", "Î": "Ỵ",
}
# Letters a mark byte may follow, with the marks each accepts.
_TONES = {_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT}
_VNI_BASES = {
    **{letter: _TONES | {_CIRCUMFLEX} | {_CIRCUMFLEX + tone for tone in _TONES} for letter in "eEoO"},
    **{letter: _TONES | {_CIRCUMFLEX, _BREVE} | {m + t for m in (_CIRCUMFLEX, _BREVE) for t in _TONES}
       for letter in "aA"},
    **{letter: _TONES for letter in "uUyYôÔöÖ"},
}


def tcvn3_to_unicode(text: str, *, capitals: bool = False) -> str:
    """TCVN3 text; `capitals` for the `…H` fonts, which draw every letter as a capital."""
    converted = "".join(TCVN3_TABLE.get(_byte(ch), ch) for ch in text)
    return converted.upper() if capitals else converted


def vni_to_unicode(text: str) -> str:
    out: list[str] = []
    index, length = 0, len(text)
    while index < length:
        ch = text[index]
        following = text[index + 1] if index + 1 < length else ""
        marks = VNI_MARKS.get(following)
        if marks is not None and marks in _VNI_BASES.get(ch, ()):
            base = VNI_LETTERS.get(ch, ch)
            out.append(unicodedata.normalize("NFC", base + marks))
            index += 2
            continue
        out.append(VNI_LETTERS.get(ch, ch))
        index += 1
    return "".join(out)


def _byte(ch: str) -> int:
    """The font byte Word stored: Windows-1252 characters, or symbol-font private-use ones."""
    code = ord(ch)
    if 0xF000 <= code <= 0xF0FF:
        return code - 0xF000
    if code < 0x100:
        return code
    try:
        return ch.encode("cp1252")[0]
    except UnicodeEncodeError:
        return code


def _vni_text(text: str) -> str:
    return vni_to_unicode("".join(chr(_byte(ch)) if ord(ch) >= 0x100 else ch for ch in text))


def converter_for_font(font: str | None) -> Callable[[str], str] | None:
    """The conversion a run in this font needs, or None for Unicode fonts."""
    if not font:
        return None
    name = font.strip()
    lowered = name.lower()
    if lowered.startswith(".vn"):
        capitals = name.endswith("H") and not name.endswith(" H")
        return _tcvn3_capitals if capitals else tcvn3_to_unicode
    if lowered.startswith(("vni-", "vni ")):
        return _vni_text
    return None


def _tcvn3_capitals(text: str) -> str:
    return tcvn3_to_unicode(text, capitals=True)


def is_legacy_font(font: str | None) -> bool:
    return converter_for_font(font) is not None
