"""Every real-world Word file of the shared corpus goes through the upload checks and the reader.

The corpus (../shared/realdocs beside the repository: files/, MANIFEST.tsv, reference/) holds
Word files from public test suites and Vietnamese public repositories, some malformed on
purpose. Each file must be read or refused with one of the refusal codes, never raise anything
else; word recall against python-docx's text must stay at 0.97 or more at the 10th percentile,
and the list-numbering files must match LibreOffice's text, labels included. No database is
needed, so this is a plain test without the app fixture.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from qmsdocs.docx.conversion import DocConverter, prepare_upload
from qmsdocs.docx.reader import DocxContent, read_docx
from qmsdocs.docx.safety import REFUSAL_CODES, check_package
from qmsdocs.errors import UploadRefused

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "realdocs"
MAX_BYTES = 50 * 1024 * 1024
RECALL_P10_TARGET = 0.97
NUMBERING_FILES = ("poi__Numbering", "tika__testWORD_override_list_numbering")
NUMBERING_RECALL_TARGET = 0.95
_WORD = re.compile(r"\w+")

pytestmark = pytest.mark.skipif(
    not (CORPUS / "files").is_dir(),
    reason=f"the real-world Word corpus is not here ({CORPUS}); it sits beside the repository in development and CI",
)


def words(text: str) -> Counter:
    return Counter(_WORD.findall(unicodedata.normalize("NFC", text).lower()))


def recall(ours: str, reference: str) -> float:
    """Share of the reference's words (with repeats) that the reader's text has too."""
    wanted = words(reference)
    total = sum(wanted.values())
    if not total:
        return 1.0
    found = words(ours)
    return sum(min(count, found[word]) for word, count in wanted.items()) / total


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory) -> dict[str, DocxContent | UploadRefused]:
    """Each corpus file read once, as an upload would be: conversion, checks, reader."""
    converter = DocConverter.detect(tmp_path_factory.mktemp("converted"))
    results: dict[str, DocxContent | UploadRefused] = {}
    for path in sorted((CORPUS / "files").iterdir()):
        data = path.read_bytes()
        try:
            prepared = prepare_upload(data, path.name.ljust(64, "0")[:64], converter, max_bytes=MAX_BYTES)
            check_package(prepared.docx, max_bytes=MAX_BYTES)
            results[path.stem] = read_docx(prepared.docx)
        except UploadRefused as refusal:
            results[path.stem] = refusal
    return results


def test_manifest_lists_every_file():
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        listed = {row["file"] for row in csv.DictReader(manifest, delimiter="\t")}
    assert listed == {path.name for path in (CORPUS / "files").iterdir()}


def test_every_file_is_read_or_refused_with_a_known_code(corpus_results):
    refusals = {name: result.code for name, result in corpus_results.items() if isinstance(result, UploadRefused)}
    assert set(refusals.values()) <= REFUSAL_CODES, refusals
    read = len(corpus_results) - len(refusals)
    assert read >= 0.9 * len(corpus_results), f"only {read} of {len(corpus_results)} files read: {refusals}"


def test_word_recall_against_python_docx(corpus_results):
    recalls = []
    for name, result in corpus_results.items():
        reference = CORPUS / "reference" / f"{name}.pydocx.txt"
        if isinstance(result, DocxContent) and reference.is_file():
            recalls.append((recall(result.text, reference.read_text(encoding="utf-8")), name))
    recalls.sort()
    assert len(recalls) > 100
    p10 = recalls[len(recalls) // 10][0]
    assert p10 >= RECALL_P10_TARGET, f"recall p10 {p10:.3f}; lowest: {recalls[:5]}"


@pytest.mark.parametrize("name", NUMBERING_FILES)
def test_list_labels_match_libreoffice(corpus_results, name):
    reference = (CORPUS / "reference" / f"{name}.lo.txt").read_text(encoding="utf-8")
    result = corpus_results[name]
    assert isinstance(result, DocxContent)
    assert recall(result.text, reference) >= NUMBERING_RECALL_TARGET


def test_password_protected_files_get_their_own_refusal(corpus_results):
    protected = ("poi__bug53475-password-is-pass", "poi__bug53475-password-is-solrcell", "poi__protected_agile",
                 "tika__protected_normal_case", "tika__protected_upper_case", "tika__testWORD_protected_passtika")
    assert {corpus_results[name].code for name in protected} == {"encrypted"}
    # Word's editing restrictions without a password are not encryption: those files read.
    assert isinstance(corpus_results["poi__documentProtection_forms_no_password"], DocxContent)


def test_package_with_only_its_theme_damaged_is_read(corpus_results):
    result = corpus_results["poi__clusterfuzz-testcase-minimized-POIXWPFFuzzer-673388493366886"]
    assert isinstance(result, DocxContent) and result.text


def test_legacy_doc_renamed_docx_is_converted_or_refused_as_legacy(corpus_results):
    result = corpus_results["vn-rag__06_LUAT_jt1cu2cf.lne-LuatPCCC_L27QH"]
    if isinstance(result, UploadRefused):
        assert result.code == "legacy_doc"
    else:
        assert "27/2001/QH10" in result.text
