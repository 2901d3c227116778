"""Vietnamese text analysis shared by both search backends, for documents and queries alike.

Every word is indexed under two forms:

* the *exact* form: NFC, case folded, with the tone mark moved to one canonical vowel, so the
  old and new placements (`hòa`/`hoà`, `thủy`/`thuỷ`, `khỏe`/`khoẻ`, `ủy`/`uỷ`) are one word;
* the *folded* form: every diacritic removed and `đ` turned into `d` (Unicode decomposition
  leaves `đ` alone), so a query typed without diacritics finds the word.

Matching uses the folded form; a query word that also matches the exact form scores higher,
so `hòa` ranks documents with `hòa` above documents with `hoa`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from qmsdocs.text import FOLD_TABLE, WORD, fold, fold_key  # noqa: F401 (fold_key is part of the analyzer)

TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
VOWELS = frozenset("aăâeêioôơuưy")
# Vowels carrying a quality mark take the tone whenever a syllable has one.
MARKED_VOWELS = frozenset("ăâêôơư")
# Open two-vowel clusters whose tone sits on the second vowel (the "new" placement, hoà/thuỷ/khoẻ).
SECOND_VOWEL_CLUSTERS = frozenset({"oa", "oe", "uy"})

QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def exact(word: str) -> str:
    """NFC, case folded, tone mark on its canonical vowel: `Hòa` and `hoà` both give `hoà`."""
    word = nfc(word).casefold()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in TONE_MARKS]
    if len(tones) != 1:
        return word
    base = nfc("".join(c for c in decomposed if c not in TONE_MARKS))
    position = _tone_position(base)
    if position is None:
        return word
    return nfc(base[: position + 1] + tones[0] + base[position + 1:])


def _tone_position(syllable: str) -> int | None:
    """Index of the vowel that carries the tone, or None when this is not one syllable."""
    start = next((i for i, c in enumerate(syllable) if c in VOWELS), None)
    if start is None:
        return None
    following_vowel = start + 1 < len(syllable) and syllable[start + 1] in VOWELS
    # In "qu" and "gi" the u / i belong to the consonant when another vowel follows.
    if start > 0 and following_vowel and (syllable[start - 1: start + 1] in ("qu", "gi")):
        start += 1
    end = start
    while end < len(syllable) and syllable[end] in VOWELS:
        end += 1
    if any(c in VOWELS for c in syllable[end:]):
        return None
    marked = [i for i in range(start, end) if syllable[i] in MARKED_VOWELS]
    if marked:
        return marked[-1]
    length = end - start
    if length == 1:
        return start
    if end < len(syllable):  # closed syllable: toán, hoàng, khuynh
        return end - 1
    if length == 3 or syllable[start:end] in SECOND_VOWEL_CLUSTERS:
        return start + 1
    return start


def words(text: str) -> list[str]:
    """The words of a text as written (NFC), in order."""
    return WORD.findall(nfc(text))


@lru_cache(maxsize=200_000)
def word_forms(word: str) -> tuple[str, str]:
    """(exact, folded) of one word; cached, as a language's words are few and documents many."""
    return exact(word), fold(word)


def analyze(text: str) -> list[tuple[str, str]]:
    """(exact, folded) for every word of a text, in order."""
    return list(map(word_forms, words(text)))


@lru_cache(maxsize=50_000)
def _analyzed_line(line: str) -> tuple[str, str]:
    forms = analyze(line)
    return " ".join([exact for exact, _ in forms]), " ".join([folded for _, folded in forms])


def analyzed_text(text: str) -> tuple[str, str]:
    """(exact words, folded words) of a text, each space-separated, for engines that split on spaces.

    Analysed paragraph by paragraph through a cache: the versions of a procedure share most of
    their paragraphs, and every procedure shares the ISO boilerplate, so a rebuild analyses
    each paragraph about once. (No word spans a line break, so the words are the same.)
    """
    lines = [_analyzed_line(line) for line in text.split("\n") if line]
    return (" ".join([exact for exact, _ in lines if exact]), " ".join([folded for _, folded in lines if folded]))


def bigrams(folded_words: list[str]) -> list[str]:
    """Adjacent folded word pairs: the phrase index (`cap giay chung` → `cap_giay`, `giay_chung`)."""
    return [f"{a}_{b}" for a, b in zip(folded_words, folded_words[1:])]
