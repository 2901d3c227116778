"""Reading what people type into the registry: symbols, types, statuses, change kinds, dates, articles.

Every refusal names the field and says what a right value looks like, in Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from qmsdocs.clock import parse_record_date as parse_date  # noqa: F401 (read from here by the registry)
from qmsdocs.docx.citations import canonical_symbol, normalize_symbol
from qmsdocs.errors import InvalidInput
from qmsdocs.legal.models import CHANGE_KINDS, STATUS_LABELS
from qmsdocs.text import fold

DOCUMENT_TYPES = (
    "Hiến pháp", "Bộ luật", "Luật", "Pháp lệnh", "Lệnh", "Nghị quyết", "Nghị quyết liên tịch", "Nghị định",
    "Quyết định", "Thông tư", "Thông tư liên tịch", "Chỉ thị", "Hướng dẫn", "Kế hoạch", "Công văn", "Văn bản hợp nhất",
)
# The type a symbol's suffix implies when none is given (QH → Luật; a law is the usual case).
TYPE_BY_SUFFIX = {
    "QH": "Luật", "UBTVQH": "Nghị quyết", "ND": "Nghị định", "QD": "Quyết định", "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch", "NQ": "Nghị quyết", "NQLT": "Nghị quyết liên tịch", "CT": "Chỉ thị",
    "L": "Lệnh", "PL": "Pháp lệnh", "HD": "Hướng dẫn", "KH": "Kế hoạch",
}
CHANGE_WORDS = {
    # Words people and the national database use for each relation, folded (no diacritics).
    "amended": ("amended", "sua doi", "sua doi bo sung", "bo sung", "duoc sua doi, bo sung", "sua doi, bo sung"),
    "replaced": ("replaced", "thay the", "bi thay the"),
    "repealed": ("repealed", "bai bo", "bi bai bo"),
    "expired": ("expired", "het hieu luc", "het hieu luc toan bo"),
    "partially_expired": ("partially_expired", "partially expired", "het hieu luc mot phan"),
    "detailed": ("detailed", "quy dinh chi tiet", "duoc quy dinh chi tiet"),
    "guided": ("guided", "huong dan", "duoc huong dan"),
}
MAX_TITLE = 2000
MAX_ALIAS = 255
MAX_NOTE = 2000


def parse_status(value) -> str | None:
    """A status code from its code or its Vietnamese label, with or without diacritics."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InvalidInput("Tình trạng hiệu lực phải là chuỗi ký tự.", code="invalid_status")
    folded = fold(value).replace("-", "_")
    for code, label in STATUS_LABELS.items():
        if folded in (code, code.replace("_", " "), fold(label)):
            return code
    labels = "; ".join(STATUS_LABELS.values())
    raise InvalidInput(f"Tình trạng hiệu lực '{value[:60]}' không hợp lệ; dùng một trong: {labels}.",
                       code="invalid_status")


ARTICLE = re.compile(r"(?:khoan\s+(?P<clause>\d{1,3})\s+)?(?:dieu\s+)?(?P<article>\d{1,4})(?:\.(?P<dot>\d{1,3}))?")
MAX_ARTICLES = 50


def parse_articles(value) -> list[str]:
    """`["5", "7.2"]` (or "Điều 5", "khoản 2 Điều 7"): the articles a change touches, as "5" and "7.2"."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"[;,]", value) if part.strip()]
    if not isinstance(value, list) or len(value) > MAX_ARTICLES:
        raise InvalidInput(f"Trường 'articles' phải là danh sách (tối đa {MAX_ARTICLES}) các điều, khoản bị tác động, "
                           'ví dụ ["5", "7.2"] (7.2 = khoản 2 Điều 7).', code="invalid_articles")
    articles = []
    for item in value:
        match = ARTICLE.fullmatch(fold(item)) if isinstance(item, str) else None
        if match is None or (match["clause"] and match["dot"]):
            shown = str(item)[:40]
            raise InvalidInput(f"Trường 'articles': '{shown}' không phải số điều hoặc khoản; hãy ghi như \"5\" "
                               '(Điều 5) hoặc "7.2" (khoản 2 Điều 7).', code="invalid_articles")
        clause = match["clause"] or match["dot"]
        article = str(int(match["article"])) + (f".{int(clause)}" if clause else "")
        if article not in articles:
            articles.append(article)
    return articles


def article_label(article: str) -> str:
    """"7.2" → "khoản 2 Điều 7", "5" → "Điều 5"."""
    number, _, clause = article.partition(".")
    return f"khoản {clause} Điều {number}" if clause else f"Điều {number}"


def parse_change_kind(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Thiếu loại thay đổi 'change' (amended, replaced, repealed, expired, partially_expired, "
                           "detailed, guided).", code="missing_field")
    folded = fold(value).replace("-", " ")
    for kind, words in CHANGE_WORDS.items():
        if folded in words or folded.replace(" ", "_") == kind:
            return kind
    raise InvalidInput(f"Loại thay đổi '{value[:60]}' không hợp lệ; dùng một trong: {', '.join(CHANGE_KINDS)}.",
                       code="invalid_change")


def infer_type(symbol: str) -> str:
    key = normalize_symbol(symbol) or ""
    suffix = key.rsplit("/", 1)[-1].split("-", 1)[0]
    suffix = re.sub(r"\d+$", "", suffix)
    return TYPE_BY_SUFFIX.get(suffix, "Văn bản")


def clean_type(value, symbol: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return infer_type(symbol)
    if not isinstance(value, str) or len(value.strip()) > 64:
        raise InvalidInput("Loại văn bản phải là chuỗi, dài tối đa 64 ký tự (ví dụ: Luật, Nghị định, Thông tư).",
                           code="invalid_type")
    value = unicodedata.normalize("NFC", value.strip())
    for known in DOCUMENT_TYPES:
        if fold(known) == fold(value):
            return known
    return value


def clean_symbol(value, field_name: str = "symbol") -> tuple[str, str]:
    """(symbol as properly written, matching key), or a refusal saying what a symbol looks like."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"Thiếu số ký hiệu văn bản '{field_name}' (ví dụ: 31/2024/QH15, 61/2018/NĐ-CP).",
                           code="missing_field")
    key = normalize_symbol(value)
    if key is None:
        raise InvalidInput(
            f"Trường '{field_name}': '{value.strip()[:60]}' không phải số ký hiệu văn bản hợp lệ. Hãy ghi dạng "
            "số/năm/loại-cơ quan, ví dụ 61/2018/NĐ-CP, 01/2018/TT-VPCP, 31/2024/QH15.", code="invalid_symbol")
    return canonical_symbol(value) or value.strip(), key


def clean_text(value, name: str, *, required: bool, max_length: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"Thiếu trường '{name}'.", code="missing_field")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"Trường '{name}' phải là chuỗi ký tự.", code="invalid_field")
    value = unicodedata.normalize("NFC", value.strip())
    if len(value) > max_length:
        raise InvalidInput(f"Trường '{name}' dài tối đa {max_length} ký tự.", code="invalid_field")
    return value
