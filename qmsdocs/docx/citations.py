"""Vietnamese legal document symbols cited by a procedure (e.g. `61/2018/NĐ-CP`).

A symbol is `number[/year]/TYPE-ISSUER` (decrees, circulars, decisions ...) or
`number/year/QHnn` for laws of the National Assembly. Authors type them every way Word
allows: `ND` for `NĐ`, en dashes, stray spaces, lower case, decomposed Unicode. Matching is
by key, not by spelling:

* uppercase, Đ (and the look-alike Ð) folded to D, so `NĐ-CP` and `ND-CP` meet;
* spaces removed and every dash character unified to "-";
* leading zeros of the number removed, so `01/2018/TT-VPCP` and `1/2018/TT-VPCP` meet
  (the year is always four digits and kept as is).

Only suffixes that start with a known document type count, which keeps dates (`12/6/2019`),
page numbers (`1/5`), ISO form codes (`BM-01/QT-01`, `QT-01/VP`), phone numbers and
standard names (`ISO 9001:2015`) out of the results.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

# Folded abbreviation -> how it is properly written. CV (công văn) is informal: left out.
DOCUMENT_TYPES = {
    "ND": "NĐ",  # Nghị định
    "QD": "QĐ",  # Quyết định
    "TT": "TT",  # Thông tư
    "TTLT": "TTLT",  # Thông tư liên tịch
    "NQ": "NQ",  # Nghị quyết
    "NQLT": "NQLT",  # Nghị quyết liên tịch
    "CT": "CT",  # Chỉ thị
    "L": "L",  # Lệnh (e.g. L-CTN)
    "PL": "PL",  # Pháp lệnh
    "HD": "HD",  # Hướng dẫn
    "KH": "KH",  # Kế hoạch
}
# Laws and ordinances carry the legislature instead of a type: 45/2013/QH13, 01/2016/UBTVQH14.
LEGISLATURE_SUFFIX = re.compile(r"(?:UBTVQH|QH)\d{1,2}")
# Issuers whose usual spelling is not all capitals.
ISSUER_SPELLINGS = {"TTG": "TTg"}

DASHES = "-‐‑‒–—―−﹣－"
CONTEXT_RADIUS = 80
MAX_CONTEXT = 200

_LETTERS = "A-Za-zĐđÐ"
_DASH = "\\" + DASHES  # as a character-class body: the ASCII hyphen escaped
_SYMBOL = re.compile(
    rf"(?<![\w/.{_DASH}])"
    r"(?P<number>\d{1,5})\s*/\s*"
    r"(?:(?P<year>(?:19|20)\d{2})\s*/\s*)?"
    rf"(?P<kind>[{_LETTERS}]+\d{{0,2}})"
    # Further issuers (joint circulars: TTLT-BTP-BNV) may have spaces around their dash
    # only when written in capitals, so "…/NĐ-CP - về việc" does not swallow the next word.
    rf"(?P<issuer>(?:\s*[{_DASH}]\s*[{_LETTERS}0-9]+)?"
    rf"(?:[{_DASH}][{_LETTERS}0-9]+|\s*[{_DASH}]\s*[A-ZĐÐ][A-ZĐÐ0-9]*(?![a-zđ]))*)"
    rf"(?![\w{_DASH}])"
)
# "khoản 2 Điều 7 của Thông tư số", "Điều 5 Nghị định", "Điều 12 Luật": right before a symbol.
_DOC_TYPE_WORDS = (r"(?:B[ộo]\s+lu[ậa]t|Lu[ậa]t|Ngh[ịi]\s+[đd][ịi]nh|Th[ôo]ng\s+t[ưu](?:\s+li[êe]n\s+t[ịi]ch)?|"
                   r"Quy[ếe]t\s+[đd][ịi]nh|Ngh[ịi]\s+quy[ếe]t|Ch[ỉi]\s+th[ịi]|Ph[áa]p\s+l[ệe]nh)")
# "khoản 2 Điều 7 của Thông tư số", "Điều 5 Nghị định", "Điều 12 Luật Đất đai số": right before a symbol.
_ARTICLE_BEFORE = re.compile(
    r"(?:kho[ảa]n\s+(?P<clause>\d{1,3})\s*,?\s*)?[ĐđD]i[ềe]u\s+(?P<article>\d{1,4})\s*,?\s*(?:c[ủu]a\s+)?"
    rf"(?:(?:{_DOC_TYPE_WORDS}\s+)?(?:s[ốo]\s+)?|{_DOC_TYPE_WORDS}(?:\s+[^\s\d;.,]+){{1,6}}\s+s[ốo]\s+)$",
    re.IGNORECASE)
ARTICLE_LOOKBEHIND = 90
_DASH_RUN = re.compile(rf"\s*[{_DASH}]\s*")
_SPACES = re.compile(r"\s+")
_FOLD_D = str.maketrans({"đ": "d", "Đ": "D", "Ð": "D"})


class _HasText(Protocol):
    text: str
    location: str


@dataclass(frozen=True)
class Citation:
    symbol: str
    key: str
    location: str
    context: str
    # Articles named with the symbol ("Điều 5 Nghị định …" → "5"; "khoản 2 Điều 7 của …" → "7.2").
    articles: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Parts:
    number: str
    year: str | None
    kind: str
    issuers: tuple[str, ...]  # uppercased, Đ kept for display; folded only in the key


def normalize_symbol(raw: str) -> str | None:
    """The matching key of a symbol written any way, or None if it is not a legal symbol."""
    match = _SYMBOL.fullmatch(_clean(raw).strip())
    parts = _parts(match) if match else None
    return _key(parts) if parts else None


def citation_key(symbol: str) -> str:
    """The matching key of a symbol known to be valid; ValueError otherwise."""
    key = normalize_symbol(symbol)
    if key is None:
        raise ValueError(f"not a Vietnamese legal document symbol: {symbol!r}")
    return key


def canonical_symbol(raw: str) -> str | None:
    """The symbol as it is properly written (`61/2018/nd-cp` -> `61/2018/NĐ-CP`), for display."""
    match = _SYMBOL.fullmatch(_clean(raw).strip())
    parts = _parts(match) if match else None
    if parts is None:
        return None
    suffix = "-".join((DOCUMENT_TYPES.get(parts.kind, parts.kind), *map(_issuer_spelling, parts.issuers)))
    return "/".join(filter(None, (parts.number, parts.year, suffix)))


def extract_citations(source: str | Iterable[_HasText | str]) -> list[Citation]:
    """Every distinct symbol per location, in reading order, with the text around it."""
    citations: dict[tuple[str, str], Citation] = {}
    for text, location in _texts(source):
        for match in _SYMBOL.finditer(text):
            parts = _parts(match)
            if parts is None:
                continue
            key = _key(parts)
            article = _article_before(text, match.start())
            found = citations.get((key, location))
            if found is None:
                citations[(key, location)] = Citation(_collapse(match.group()), key, location, _context(text, match),
                                                      (article,) if article else ())
            elif article and article not in found.articles:
                citations[(key, location)] = Citation(found.symbol, key, location, found.context,
                                                      (*found.articles, article))
    return list(citations.values())


def _article_before(text: str, start: int) -> str | None:
    """The article (and clause) named right before a symbol: "5", or "7.2" for khoản 2 Điều 7."""
    match = _ARTICLE_BEFORE.search(text[max(0, start - ARTICLE_LOOKBEHIND):start])
    if match is None:
        return None
    article = str(int(match["article"]))
    return f"{article}.{int(match['clause'])}" if match["clause"] else article


def _texts(source: str | Iterable[_HasText | str]) -> Iterator[tuple[str, str]]:
    items = source.split("\n") if isinstance(source, str) else source
    for item in items:
        if isinstance(item, str):
            yield _clean(item), "body"
        else:
            yield _clean(item.text), item.location


def _parts(match: re.Match[str]) -> _Parts | None:
    """Split a regex hit into its fields, or None when the suffix is not a document type."""
    kind = _fold(match["kind"])
    issuers = tuple(issuer.replace("Ð", "Đ").upper() for issuer in _DASH_RUN.split(match["issuer"]) if issuer)
    year = match["year"]
    if LEGISLATURE_SUFFIX.fullmatch(kind):
        valid = year is not None and not issuers
    else:
        valid = kind in DOCUMENT_TYPES and bool(issuers)
    return _Parts(match["number"], year, kind, issuers) if valid else None


def _key(parts: _Parts) -> str:
    suffix = "-".join((parts.kind, *map(_fold, parts.issuers)))
    return "/".join(filter(None, (str(int(parts.number)), parts.year, suffix)))


def _issuer_spelling(issuer: str) -> str:
    return ISSUER_SPELLINGS.get(_fold(issuer), issuer)


def _fold(text: str) -> str:
    return text.translate(_FOLD_D).upper()


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _context(text: str, match: re.Match[str]) -> str:
    """About a sentence around the symbol, never longer than MAX_CONTEXT characters."""
    start = max(0, match.start() - CONTEXT_RADIUS)
    end = min(len(text), match.end() + CONTEXT_RADIUS)
    snippet = _collapse(text[start:end])
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return (prefix + snippet + suffix)[:MAX_CONTEXT]
