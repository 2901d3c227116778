"""Benchmark: `read_docx` against a bare lxml parse of the same parts, then real-world files.

The reader's budget is twice the cost of merely parsing the XML it reads: every extra
feature (text boxes, tracked changes, metadata, list numbering, legacy fonts) has to fit
inside that. The synthetic procedures number their sections and steps with Word list
styles, so the numbering work is measured too. The bare side gets the part bytes already
decompressed, so the comparison is XML work against XML work, plus the reader's own unzip
which it cannot avoid. Both sides report the median of every document of every round.

The second line reads the real-world corpus (../shared/realdocs/files beside the repository,
when present) as uploads are read: median and p95 time per file and the slowest file. The
third, with --large-mb, builds one procedure of that size (text plus images, as large
procedures are) and times reading it and rendering its preview.

    python bench/extract.py [--docs 200] [--rounds 5] [--seed 2024] [--lean-markup] [--large-mb 15]
"""

from __future__ import annotations

import argparse
import gc
import io
import random
import statistics
import sys
import time
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from lxml import etree  # noqa: E402

from qmsdocs.docx.preview import to_html  # noqa: E402
from qmsdocs.docx.reader import read_docx, text_part_names  # noqa: E402
from qmsdocs.docx.safety import check_package  # noqa: E402
from qmsdocs.errors import UploadRefused  # noqa: E402
from tests.docx_factory import make_docx, replace_parts  # noqa: E402

REAL_CORPUS = REPO_ROOT.parent / "shared" / "realdocs" / "files"

TARGET_RATIO = 2.0
WORDS_PER_PAGE = (400, 500)
PAGES_PER_DOCUMENT = (5, 10)
VOCABULARY = (
    "cán bộ công chức tiếp nhận hồ sơ kiểm tra thẩm định trình lãnh đạo phê duyệt ban hành văn bản "
    "quyết định thủ tục hành chính bộ phận một cửa thời hạn giải quyết ngày làm việc tổ chức cá nhân "
    "trách nhiệm phối hợp phòng chuyên môn lưu trữ biểu mẫu kết quả đánh giá chất lượng cải tiến "
    "theo quy định của pháp luật hiện hành đảm bảo đầy đủ chính xác kịp thời công khai minh bạch "
    "Ủy ban nhân dân tỉnh Văn phòng Sở Nội vụ Tư pháp hướng dẫn thực hiện báo cáo định kỳ"
).split()
CITATIONS = ("61/2018/NĐ-CP", "19/2014/QĐ-TTg", "01/2018/TT-VPCP", "45/2013/QH13", "1291/QĐ-UBND")


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(VOCABULARY) for _ in range(words))
    if rng.random() < 0.1:
        text += f" theo Nghị định số {rng.choice(CITATIONS)}"
    return text[0].upper() + text[1:] + "."


def make_procedure(rng: random.Random, number: int, *, word_markup: bool = True) -> bytes:
    """One procedure of 5-10 pages: sections of prose and a steps table or two.

    With `word_markup` the XML carries what Word really writes (run formatting, revision
    ids, split runs); without it the markup is minimal, the reader's worst case.
    """
    budget = rng.randint(*PAGES_PER_DOCUMENT) * rng.randint(*WORDS_PER_PAGE)
    paragraphs: list[str | tuple[str, str]] = []
    tables: list[list[list[str]]] = []
    section = 0
    while budget > 0:
        if rng.random() < 0.08:
            section += 1
            paragraphs.append((f"NỘI DUNG PHẦN {section}", "List Number"))
        if rng.random() < 0.2:
            words = rng.randint(8, 20)
            paragraphs.append((sentence(rng, words), rng.choice(("List Number 2", "List Bullet"))))
            budget -= words
        if rng.random() < 0.05:
            rows = [[f"B{row}", sentence(rng, 12), sentence(rng, 3), f"{row} ngày", f"BM-0{row}/QT-{number:02d}"]
                    for row in range(1, rng.randint(4, 9))]
            tables.append([["Bước", "Nội dung", "Trách nhiệm", "Thời gian", "Biểu mẫu"], *rows])
            budget -= 18 * len(rows)
        words = rng.randint(15, 60)
        paragraphs.append(sentence(rng, words))
        budget -= words
    return make_docx(
        code=f"QT-{number:02d}/VP",
        revision=f"{rng.randint(1, 5):02d}",
        issued_on=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(15, 24)}",
        paragraphs=paragraphs,
        tables=tables,
        footnotes=["Căn cứ Nghị định số 61/2018/NĐ-CP."],
        word_markup=word_markup,
    )


def unzipped_parts(data: bytes) -> list[bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(name) for name in text_part_names(archive)]


def bare_parse(data: bytes) -> None:
    """The floor: unzip the same parts and parse them, nothing else."""
    for part in unzipped_parts(data):
        etree.fromstring(part)


def paired_seconds(corpus: list[bytes]) -> tuple[list[float], list[float]]:
    """Per document, the bare parse then the reader, back to back: on a shared machine both
    sides of each pair see the same load. As `timeit` does, the garbage collector is paused
    while timing (and run between documents), so neither side pays for the other's garbage."""
    reader, bare = [], []
    for document in corpus:
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            bare_parse(document)
            middle = time.perf_counter()
            read_docx(document)
            end = time.perf_counter()
        finally:
            gc.enable()
        bare.append(middle - start)
        reader.append(end - middle)
    return reader, bare


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def real_world_line() -> None:
    """Median and p95 read time over the real-world files that pass the upload checks."""
    if not REAL_CORPUS.is_dir():
        print(f"real-world corpus: not found at {REAL_CORPUS}, skipped")
        return
    timings: list[tuple[float, str]] = []
    refused = 0
    for path in sorted(REAL_CORPUS.iterdir()):
        data = path.read_bytes()
        try:
            check_package(data, max_bytes=100 * 1024 * 1024)
        except UploadRefused:
            refused += 1
            continue
        start = time.perf_counter()
        read_docx(data)
        timings.append((time.perf_counter() - start, path.name))
    values = [seconds for seconds, _ in timings]
    slowest = max(timings)
    print(f"real-world corpus: {len(timings)} files read ({refused} refused by the upload checks): "
          f"median {statistics.median(values) * 1000:.2f} ms, p95 {percentile(values, 0.95) * 1000:.2f} ms, "
          f"slowest {slowest[1]} {slowest[0] * 1000:.0f} ms")


def large_document(megabytes: float, rng: random.Random) -> bytes:
    """A procedure of about `megabytes`: a fifth text (compressed), the rest images."""
    def paragraphs(count: int) -> list[str | tuple[str, str]]:
        return [(sentence(rng, 40), "List Number 2") if rng.random() < 0.2 else sentence(rng, 40)
                for _ in range(count)]

    sample = make_docx(paragraphs=paragraphs(1000), word_markup=True)
    count = int(1000 * megabytes * 1024 * 1024 / 5 / len(sample))
    data = make_docx(paragraphs=paragraphs(count), word_markup=True)
    images = {f"word/media/image{n}.png": rng.randbytes(1024 * 1024)
              for n in range(int(megabytes - len(data) / (1024 * 1024)))}
    return replace_parts(data, images)


def large_document_line(megabytes: float, rng: random.Random) -> None:
    document = large_document(megabytes, rng)
    with zipfile.ZipFile(io.BytesIO(document)) as archive:
        xml_size = sum(info.file_size for info in archive.infolist() if info.filename.endswith(".xml"))
    start = time.perf_counter()
    content = read_docx(document)
    read_seconds = time.perf_counter() - start
    start = time.perf_counter()
    to_html(document)
    preview_seconds = time.perf_counter() - start
    print(f"large document: {len(document) / 1024 / 1024:.1f} MB ({xml_size / 1024 / 1024:.0f} MB of XML, "
          f"{len(content.paragraphs)} paragraphs): read {read_seconds:.2f} s, preview {preview_seconds:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--lean-markup", action="store_true", help="minimal XML: the reader's worst case")
    parser.add_argument("--large-mb", type=float, default=0, help="also time one document of this size")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    started = time.perf_counter()
    corpus = [make_procedure(rng, number, word_markup=not args.lean_markup) for number in range(1, args.docs + 1)]
    words = statistics.median(len(read_docx(document).text.split()) for document in corpus)
    print(f"corpus: {len(corpus)} documents, median {words:.0f} words, "
          f"median {statistics.median(map(len, corpus)) / 1024:.0f} KiB, built in {time.perf_counter() - started:.1f} s")

    reader_all, bare_all = [], []
    for round_number in range(1, args.rounds + 1):
        reader, bare = paired_seconds(corpus)
        bare_all += bare
        reader_all += reader
        print(f"round {round_number}: read_docx {statistics.median(reader) * 1000:.2f} ms, "
              f"bare parse {statistics.median(bare) * 1000:.2f} ms (median per document)")
    reader_median, bare_median = statistics.median(reader_all), statistics.median(bare_all)
    print(f"all rounds: read_docx {reader_median * 1000:.2f} ms, bare parse {bare_median * 1000:.2f} ms "
          "(median per document)")
    print(f"ratio reader/bare-parse: {reader_median / bare_median:.1f}x (target <= {TARGET_RATIO:.1f}x)")
    real_world_line()
    if args.large_mb:
        large_document_line(args.large_mb, rng)


if __name__ == "__main__":
    main()
