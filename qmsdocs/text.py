"""The one Vietnamese folding: how names, headers, filters and search words are compared.

`fold` drops every diacritic (Unicode decomposition leaves `đ` alone, so it is mapped to `d`
by hand), case-folds and collapses runs of white space, so "Đăng  Ký", "đăng ký" and
"dang ky" are one key.
"""

from __future__ import annotations

import re
import unicodedata


def _build_fold_table() -> dict[int, str]:
    """One folded character per precomposed Latin character: the fast path for most text."""
    table: dict[int, str] = {}
    for start, end in ((0x41, 0x5B), (0xC0, 0x250), (0x1E00, 0x1F00)):
        for code in range(start, end):
            char = chr(code)
            folded = "".join(
                c for c in unicodedata.normalize("NFD", char.lower()) if not unicodedata.combining(c)
            ).replace("đ", "d")
            if len(folded) == 1 and folded != char:
                table[code] = folded
    table.update({ord("đ"): "d", ord("Đ"): "d", ord("Ð"): "d", ord("ð"): "d"})
    return table


FOLD_TABLE = _build_fold_table()
_SPACES = re.compile(r"\s+")
# A word: letters and digits, with any stray combining mark that NFC could not compose.
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")


def fold(text: str | None) -> str:
    """Lower case, no diacritics, đ → d, single spaces: `  Đất  ĐAI ` → `dat dai`."""
    folded = (text or "").casefold().translate(FOLD_TABLE)
    if not folded.isascii():
        # Decomposed input (NFD from some files) or letters outside the table.
        decomposed = unicodedata.normalize("NFD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(FOLD_TABLE)
    if " " in folded or not folded.isalnum():
        folded = _SPACES.sub(" ", folded).strip()
    return folded


def fold_key(value: str | None) -> str:
    """The folded words of a text, punctuation dropped: `Đất đai, nhà ở` → `dat dai nha o`.

    How filter values (lĩnh vực) and catalog names are compared, and how search folds a query.
    """
    return " ".join(fold(word) for word in WORD.findall(unicodedata.normalize("NFC", value or "")))


def N_(message: str) -> str:
    """Mark a label for the translation catalog (`pybabel extract -k N_`); it is translated where shown."""
    return message
