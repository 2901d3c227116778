"""Benchmark: `read_docx` against a bare lxml parse of the same parts.

The reader's budget is twice the cost of merely parsing the XML it reads: every extra
feature (text boxes, tracked changes, metadata) has to fit inside that. Both sides get
the part bytes already decompressed, so the comparison is XML work against XML work,
plus the reader's own unzip which it cannot avoid.

    python bench/extract.py [--docs 200] [--rounds 5] [--seed 2024] [--lean-markup]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from lxml import etree  # noqa: E402

from qmsdocs.docx.reader import read_docx, text_part_names  # noqa: E402
from tests.docx_factory import make_docx  # noqa: E402

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
    paragraphs: list[str] = []
    tables: list[list[list[str]]] = []
    section = 0
    while budget > 0:
        if rng.random() < 0.08:
            section += 1
            paragraphs.append(f"{section}. NỘI DUNG PHẦN {section}")
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


def median_seconds(function: Callable[[bytes], object], corpus: list[bytes]) -> float:
    timings = []
    for document in corpus:
        start = time.perf_counter()
        function(document)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--lean-markup", action="store_true", help="minimal XML: the reader's worst case")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    started = time.perf_counter()
    corpus = [make_procedure(rng, number, word_markup=not args.lean_markup) for number in range(1, args.docs + 1)]
    words = statistics.median(len(read_docx(document).text.split()) for document in corpus)
    print(f"corpus: {len(corpus)} documents, median {words:.0f} words, "
          f"median {statistics.median(map(len, corpus)) / 1024:.0f} KiB, built in {time.perf_counter() - started:.1f} s")

    reader_rounds, bare_rounds = [], []
    for round_number in range(1, args.rounds + 1):
        bare_rounds.append(median_seconds(bare_parse, corpus))
        reader_rounds.append(median_seconds(read_docx, corpus))
        print(f"round {round_number}: read_docx {reader_rounds[-1] * 1000:.2f} ms, "
              f"bare parse {bare_rounds[-1] * 1000:.2f} ms (median per document)")
    reader, bare = min(reader_rounds), min(bare_rounds)
    print(f"best round: read_docx {reader * 1000:.2f} ms, bare parse {bare * 1000:.2f} ms")
    print(f"ratio reader/bare-parse: {reader / bare:.1f}x (target <= {TARGET_RATIO:.1f}x)")


if __name__ == "__main__":
    main()
