"""Reading the files the app hands out (.docx, .xlsx) as Word and Excel would, to check their content."""

from __future__ import annotations

import io

import docx
import openpyxl


def docx_tables(data: bytes) -> list[list[list[str]]]:
    """Every table of a .docx as rows of cell texts."""
    document = docx.Document(io.BytesIO(data))
    return [[[cell.text.strip() for cell in row.cells] for row in table.rows] for table in document.tables]


def docx_paragraphs(data: bytes) -> list[str]:
    """The body paragraphs of a .docx (outside tables)."""
    return [paragraph.text for paragraph in docx.Document(io.BytesIO(data)).paragraphs]


def xlsx_sheets(data: bytes) -> dict[str, list[list]]:
    """Every sheet of an .xlsx as rows of values, empty rows kept."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}
    finally:
        workbook.close()
