"""List labels as Word shows them ("1.", "a)", "Bước 2:", "Điều 5."), computed from numbering.xml.

Word stores no label text: a paragraph names a list instance (w:numId) and a level (w:ilvl),
directly or through its paragraph style, and the label comes from that level's lvlText pattern
filled with the counters of the levels above. Counters belong to the abstract list, so two
instances of one abstract list continue each other unless an instance overrides a start
(w:lvlOverride/w:startOverride), which restarts that level the first time the instance is used.

`Numbering.label(numPr-holder)` must be called once per paragraph in document order: it
advances the counters as Word does while laying out the document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from qmsdocs.docx.legacy_fonts import converter_for_font
from qmsdocs.docx.symbols import symbol_text

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MAX_LEVELS = 9
# A counter Word would never reach; guards the formatters against absurd start values.
MAX_COUNTER = 1_000_000


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


W_VAL = _w("val")
W_PPR, W_NUMPR, W_NUMID, W_ILVL, W_PSTYLE = map(_w, ("pPr", "numPr", "numId", "ilvl", "pStyle"))
SUFFIXES = {"tab": "\t", "space": " ", "nothing": ""}


@dataclass(frozen=True)
class Level:
    start: int = 0
    fmt: str = "decimal"
    text: str | None = None
    # Restart after a use of this level (0-based); None: after any shallower level; -1: never.
    restart_after: int | None = None
    legal: bool = False
    suffix: str = "\t"
    # Font of the label (bullets are often Symbol or Wingdings private-use characters).
    font: str | None = None


@dataclass
class _Instance:
    abstract_id: str
    start_overrides: dict[int, int] = field(default_factory=dict)
    level_overrides: dict[int, Level] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)


class Numbering:
    """The numbering definitions of one document and the running counters of its lists."""

    def __init__(self, abstracts: dict[str, dict[int, Level]], instances: dict[str, _Instance],
                 style_numbering: dict[str, tuple[str, int]]):
        self._abstracts = abstracts
        self._instances = instances
        self._style_numbering = style_numbering
        self._counters: dict[str, dict[int, int]] = {}

    @classmethod
    def parse(cls, numbering_root: etree._Element | None, styles_root: etree._Element | None) -> Numbering:
        abstracts: dict[str, dict[int, Level]] = {}
        instances: dict[str, _Instance] = {}
        links: dict[str, str] = {}
        if numbering_root is not None:
            for abstract in numbering_root.iterchildren(_w("abstractNum")):
                abstract_id = abstract.get(_w("abstractNumId"), "")
                abstracts[abstract_id] = {
                    level: parsed for level, parsed in map(_parse_level, abstract.iterchildren(_w("lvl")))
                    if level is not None
                }
                link = _child_val(abstract, "numStyleLink")
                if link:
                    links[abstract_id] = link
            for num in numbering_root.iterchildren(_w("num")):
                instances[num.get(_w("numId"), "")] = _parse_instance(num, abstracts)
        style_numbering = _style_numbering(styles_root)
        _follow_style_links(abstracts, instances, links, style_numbering)
        return cls(abstracts, instances, style_numbering)

    def __bool__(self) -> bool:
        return bool(self._instances)

    @property
    def has_style_numbering(self) -> bool:
        return bool(self._style_numbering)

    @property
    def numbered_styles(self) -> frozenset[str]:
        return frozenset(self._style_numbering)

    def label(self, paragraph: etree._Element) -> str:
        """The paragraph's label with its suffix (tab, space or nothing); "" when it has none."""
        ppr = paragraph.find(W_PPR)
        if ppr is None:
            return ""
        num_id, level = self._reference(ppr)
        if not num_id or num_id == "0":
            return ""
        instance = self._instances.get(num_id)
        if instance is None:
            return ""
        levels = self._abstracts.get(instance.abstract_id, {})
        definition = self._level(instance, levels, level)
        if definition is None:
            return ""
        counters = self._counters.setdefault(instance.abstract_id, {})
        if level in instance.start_overrides and level not in instance.started:
            counters[level] = instance.start_overrides[level] - 1
            _reset_deeper(counters, levels, level)
        instance.started.add(level)
        counters[level] = min(counters.get(level, definition.start - 1) + 1, MAX_COUNTER)
        _reset_deeper(counters, levels, level)
        text = self._render(instance, levels, definition, counters, level)
        return text + definition.suffix if text else ""

    def _reference(self, ppr: etree._Element) -> tuple[str | None, int]:
        """(numId, ilvl) from the paragraph's numPr, else from its style (Word's inheritance)."""
        num_id = level = None
        numpr = ppr.find(W_NUMPR)
        if numpr is not None:
            num_id = _child_val(numpr, "numId")
            level = _int(_child_val(numpr, "ilvl"))
        if num_id is None:
            style = ppr.find(W_PSTYLE)
            inherited = self._style_numbering.get(style.get(W_VAL, "")) if style is not None else None
            if inherited:
                num_id = inherited[0]
                level = inherited[1] if level is None else level
        return num_id, min(max(level or 0, 0), MAX_LEVELS - 1)

    def _level(self, instance: _Instance, levels: dict[int, Level], level: int) -> Level | None:
        return instance.level_overrides.get(level) or levels.get(level)

    def _render(self, instance: _Instance, levels: dict[int, Level], definition: Level,
                counters: dict[int, int], level: int) -> str:
        if definition.fmt == "none":
            return ""
        pattern = definition.text if definition.text is not None else f"%{level + 1}."
        if definition.fmt == "bullet":
            return symbol_text(pattern, definition.font)
        convert = converter_for_font(definition.font)
        if convert is not None:
            pattern = convert(pattern)
        pieces = pattern.split("%")
        out = [pieces[0]]
        for piece in pieces[1:]:
            if piece[:1].isdigit() and piece[0] != "0":
                shown = int(piece[0]) - 1
                out.append(self._counter_text(instance, levels, counters, shown, level, definition.legal))
                out.append(piece[1:])
            else:
                out.append("%" + piece)
        return "".join(out)

    def _counter_text(self, instance: _Instance, levels: dict[int, Level], counters: dict[int, int],
                      shown: int, level: int, legal: bool) -> str:
        shown_definition = self._level(instance, levels, shown) or Level()
        if shown not in counters:
            # A skipped level shows (and from now on counts from) its start value.
            counters[shown] = shown_definition.start
        fmt = "decimal" if legal else shown_definition.fmt
        return format_number(counters[shown], fmt)


def _reset_deeper(counters: dict[int, int], levels: dict[int, Level], level: int) -> None:
    for deeper in [key for key in counters if key > level]:
        restart_after = (levels.get(deeper) or Level()).restart_after
        if restart_after is None or (restart_after >= 0 and level <= restart_after):
            del counters[deeper]


def _parse_level(element: etree._Element) -> tuple[int | None, Level]:
    level = _int(element.get(_w("ilvl")))
    text_element = element.find(_w("lvlText"))
    restart = _int(_child_val(element, "lvlRestart"))
    fonts = element.find(f"{_w('rPr')}/{_w('rFonts')}")
    return level, Level(
        start=_int(_child_val(element, "start")) or 0,
        fmt=_child_val(element, "numFmt") or "decimal",
        text=text_element.get(W_VAL) if text_element is not None else None,
        restart_after=None if restart is None else (restart - 1 if restart > 0 else -1),
        legal=_flag(element.find(_w("isLgl"))),
        suffix=SUFFIXES.get(_child_val(element, "suff") or "tab", "\t"),
        font=fonts.get(_w("ascii")) or fonts.get(_w("hAnsi")) if fonts is not None else None,
    )


def _parse_instance(num: etree._Element, abstracts: dict[str, dict[int, Level]]) -> _Instance:
    instance = _Instance(_child_val(num, "abstractNumId") or "")
    for override in num.iterchildren(_w("lvlOverride")):
        level = _int(override.get(_w("ilvl")))
        if level is None:
            continue
        start = _int(_child_val(override, "startOverride"))
        if start is not None:
            instance.start_overrides[level] = start
        replacement = override.find(_w("lvl"))
        if replacement is not None:
            _, parsed = _parse_level(replacement)
            # A replaced level changes the format only: the shared counter goes on (Word).
            instance.level_overrides[level] = parsed
    return instance


def _style_numbering(styles_root: etree._Element | None) -> dict[str, tuple[str, int]]:
    """Paragraph styles that number their paragraphs (numPr in the style), basedOn followed."""
    if styles_root is None:
        return {}
    direct: dict[str, tuple[str | None, int | None]] = {}
    based_on: dict[str, str] = {}
    for style in styles_root.iterchildren(_w("style")):
        style_id = style.get(_w("styleId"), "")
        parent = _child_val(style, "basedOn")
        if parent:
            based_on[style_id] = parent
        numpr = style.find(f"{W_PPR}/{W_NUMPR}")
        if numpr is not None:
            direct[style_id] = (_child_val(numpr, "numId"), _int(_child_val(numpr, "ilvl")))
    resolved: dict[str, tuple[str, int]] = {}
    for style_id in {*direct, *based_on}:
        num_id = level = None
        current, seen = style_id, set()
        while current and current not in seen and (num_id is None or level is None):
            seen.add(current)
            found_id, found_level = direct.get(current, (None, None))
            num_id = num_id if num_id is not None else found_id
            level = level if level is not None else found_level
            current = based_on.get(current)
        if num_id:
            resolved[style_id] = (num_id, level or 0)
    return resolved


def _follow_style_links(abstracts, instances, links, style_numbering) -> None:
    """An abstract list that only links to a numbering style takes that style's list levels."""
    for abstract_id, style_id in links.items():
        target = style_numbering.get(style_id)
        target_instance = instances.get(target[0]) if target else None
        if target_instance and target_instance.abstract_id != abstract_id:
            for instance in instances.values():
                if instance.abstract_id == abstract_id:
                    instance.abstract_id = target_instance.abstract_id
                    for level, definition in target_instance.level_overrides.items():
                        instance.level_overrides.setdefault(level, definition)


def _child_val(element: etree._Element, name: str) -> str | None:
    child = element.find(_w(name))
    return child.get(W_VAL) if child is not None else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _flag(element: etree._Element | None) -> bool:
    return element is not None and element.get(W_VAL, "true") not in ("0", "false", "off")


# --- number formats ---------------------------------------------------------------------------

ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
         (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
VIETNAMESE_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
ENGLISH_CARDINALS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                     "fourteen fifteen sixteen seventeen eighteen nineteen").split()
ENGLISH_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
ENGLISH_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                         "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def roman(number: int) -> str:
    if number <= 0:
        return str(number)
    out = []
    for value, letters in ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def letters(number: int) -> str:
    """Word's alphabetic numbering: a..z, then aa..zz, aaa.. (the letter repeated)."""
    if number <= 0:
        return str(number)
    repeat, index = divmod(number - 1, 26)
    return chr(ord("a") + index) * (repeat + 1)


def english_cardinal(number: int) -> str:
    if not 0 <= number < 100:
        return str(number)
    if number < 20:
        return ENGLISH_CARDINALS[number]
    tens, units = divmod(number, 10)
    return ENGLISH_TENS[tens] + (f"-{ENGLISH_CARDINALS[units]}" if units else "")


def english_ordinal(number: int) -> str:
    words = english_cardinal(number)
    if words.isdigit():
        return words
    head, _, last = words.rpartition("-")
    if last in ENGLISH_ORDINAL_WORDS:
        last = ENGLISH_ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}-{last}" if head else last


def ordinal_suffix(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def vietnamese_counting(number: int) -> str:
    """Word's vietnameseCounting format: một, hai, … mười, mười một, hai mươi mốt …"""
    if not 0 <= number < 100:
        return str(number)
    if number < 10:
        return VIETNAMESE_DIGITS[number]
    tens, units = divmod(number, 10)
    head = "mười" if tens == 1 else f"{VIETNAMESE_DIGITS[tens]} mươi"
    if not units:
        return head
    tail = {1: "mốt" if tens > 1 else "một", 5: "lăm", 4: "tư" if tens > 1 else "bốn"}.get(units, VIETNAMESE_DIGITS[units])
    return f"{head} {tail}"


FORMATTERS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}" if 0 <= n < 10 else str(n),
    "decimalEnclosedParen": lambda n: f"({n})",
    "decimalEnclosedFullstop": lambda n: f"{n}.",
    "decimalFullWidth": lambda n: "".join(chr(0xFF10 + int(d)) if d.isdigit() else d for d in str(n)),
    "decimalHalfWidth": str,
    "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "lowerLetter": letters,
    "upperLetter": lambda n: letters(n).upper(),
    "lowerRoman": roman,
    "upperRoman": lambda n: roman(n).upper(),
    "ordinal": ordinal_suffix,
    "cardinalText": lambda n: english_cardinal(n).capitalize(),
    "ordinalText": lambda n: english_ordinal(n).capitalize(),
    "vietnameseCounting": vietnamese_counting,
}


def format_number(number: int, fmt: str) -> str:
    """A counter in one of Word's number formats; formats not listed read as decimal."""
    return FORMATTERS.get(fmt, str)(number)
