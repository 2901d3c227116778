"""Characters from symbol fonts (Symbol, Wingdings) as the Unicode characters they show.

Word stores such characters as bytes of the font, often moved to the private-use area
(U+F020–U+F0FF) by w:sym elements and bullet definitions: U+F0B7 in Symbol is a bullet, U+F0FC
in Wingdings a check mark. Characters with a meaningful Unicode equivalent are mapped; any
other keeps its own code, as the document stores it.
"""

from __future__ import annotations

PRIVATE_USE_BASE = 0xF000

_SYMBOL_GREEK = "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ"
SYMBOL_FONT = {
    **{0x41 + index: letter for index, letter in enumerate(_SYMBOL_GREEK)},
    **{0x61 + index: letter for index, letter in enumerate("αβχδεφγηιϕκλμνοπθρστυϖωξψζ")},
    0x22: "∀", 0x24: "∃", 0x27: "∋", 0x2A: "∗", 0x2D: "−", 0x40: "≅", 0x5C: "∴", 0x5E: "⊥", 0x7E: "∼",
    0xA3: "≤", 0xA5: "∞", 0xA7: "♣", 0xA8: "♦", 0xA9: "♥", 0xAA: "♠", 0xAB: "↔", 0xAC: "←",
    0xAD: "↑", 0xAE: "→", 0xAF: "↓", 0xB0: "°", 0xB1: "±", 0xB3: "≥", 0xB4: "×", 0xB6: "∂",
    0xB7: "•", 0xB8: "÷", 0xB9: "≠", 0xBA: "≡", 0xBB: "≈", 0xBC: "…", 0xC4: "⊗", 0xC5: "⊕",
    0xC6: "∅", 0xC7: "∩", 0xC8: "∪", 0xCE: "∈", 0xCF: "∉", 0xD1: "∇", 0xD5: "∏", 0xD6: "√",
    0xD8: "¬", 0xD9: "∧", 0xDA: "∨", 0xDB: "⇔", 0xDC: "⇐", 0xDE: "⇒", 0xE0: "◊", 0xE5: "∑",
    0xF2: "∫",
}
WINGDINGS_FONT = {
    0x4A: "☺", 0x4C: "☹", 0x6C: "●", 0x6D: "❍", 0x6E: "■", 0x6F: "□", 0x71: "❑", 0x72: "❒",
    0x75: "◆", 0x76: "❖", 0x77: "⬥", 0x9F: "•", 0xA1: "○", 0xA7: "▪", 0xA8: "◻", 0xD8: "➢",
    0xE8: "➔", 0xF0: "⇨", 0xFB: "✗", 0xFC: "✓", 0xFD: "☒", 0xFE: "☑",
}
FONT_TABLES = {"symbol": SYMBOL_FONT, "wingdings": WINGDINGS_FONT}


def symbol_char(code: int, font: str | None) -> str:
    """One character of a symbol font as Unicode; the code itself when nothing fits."""
    table = FONT_TABLES.get((font or "").strip().lower())
    byte = code - PRIVATE_USE_BASE if PRIVATE_USE_BASE <= code <= PRIVATE_USE_BASE + 0xFF else code
    if table is not None and byte in table:
        return table[byte]
    if table is SYMBOL_FONT and 0x20 <= byte < 0x7F:
        return chr(byte)  # Symbol keeps ASCII punctuation and digits where they are
    return chr(code) if 0 < code < 0x110000 else ""


def symbol_text(text: str, font: str | None) -> str:
    """A bullet or label in a symbol font, each private-use character mapped."""
    if not any(PRIVATE_USE_BASE <= ord(ch) <= PRIVATE_USE_BASE + 0xFF for ch in text) and \
            (font or "").strip().lower() not in FONT_TABLES:
        return text
    return "".join(symbol_char(ord(ch), font) for ch in text)


def sym_element_text(font: str | None, char: str | None) -> str:
    """The text of a w:sym element (w:font, w:char in hex)."""
    try:
        code = int(char or "", 16)
    except ValueError:
        return ""
    return symbol_char(code, font)
