"""An evidence file as rows of text cells with their places: CSV in its real-world shapes, or a YAML list.

CSV exports arrive with a UTF-8 byte-order mark, as UTF-16 ("Unicode text" from Excel), as
Windows-1252, with `;` or tab delimiters, an Excel `sep=;` first line, a title line above the
headers, blank and ragged rows. This module only turns bytes into cells; what the cells mean is
`parse`'s business.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain, compress, islice, repeat
from pathlib import Path
from typing import NamedTuple

import yaml

from posture.api import InputError, decode_text, load_yaml, read_limited

MAX_BYTES = 256 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
YAML_SUFFIXES = (".yaml", ".yml")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
csv.field_size_limit(1024 * 1024)


HEAD_ROWS = 10  # the header is looked for in the first records: a title line or two above it is common
BLOCK_ROWS = 512  # records parsed at a time: a big file is never held as cells all at once
PIECE_CHARS = 1 << 16  # text handed to the line splitter at a time (io.StringIO holds 4 bytes a character)


class Row(NamedTuple):  # a header candidate
    line: int  # 1-based line where the record starts
    cells: list[str]
    places: tuple[tuple[int, int], ...] | None = None  # YAML: each cell's (line, column) in the file


class Block(NamedTuple):
    """Consecutive non-blank records: each one's first line, its cells and (YAML) each cell's place."""

    lines: Sequence[int]
    rows: list[list[str]]
    places: list[tuple[tuple[int, int], ...]] | None = None


@dataclass(frozen=True)
class Table:
    """The first non-blank records (`head`, where the header is) and the rest, read block by block as
    `blocks` is iterated (once): a 200,000-row export is never held as cells all at once."""

    path: Path
    head: list[Row]
    rest: Iterator[Block] = iter(())
    fixed_header: bool = False  # YAML: the first record is the header, built from the keys

    def blocks(self, header_at: int) -> Iterator[Block]:
        """The non-blank records after head[header_at]."""
        after = self.head[header_at + 1:]
        if after:
            places = None if after[0].places is None else [r.places or () for r in after]
            yield Block([r.line for r in after], [r.cells for r in after], places)
        yield from self.rest


def place(line: int, places: tuple[tuple[int, int], ...] | None, index: int) -> tuple[int, int]:
    """(line, column) to report for cell `index`: the field number in CSV, the key's place in YAML."""
    if places is not None and index < len(places):
        return places[index]
    return line, index + 1


def read_table(path: Path, delimiter: str | None = None) -> Table:
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return _yaml_table(path)
    if suffix in XLSX_SUFFIXES:
        return xlsx_table(path)
    if suffix == ".xls":
        raise InputError("an Excel 97-2003 workbook (.xls) cannot be read; save it as .xlsx or CSV", path=path)
    return _csv_table(path, decode(path), delimiter)


def decode(path: Path) -> str:
    """The file's text in whatever encoding it was saved (posture.evidence: BOMs, UTF-16, UTF-8, cp1252)."""
    raw = read_limited(path, MAX_BYTES)
    if raw.startswith(b"PK\x03\x04"):
        raise InputError("this is a zip archive, probably an Excel workbook with NUL bytes for a CSV: name it "
                         ".xlsx, or save it as CSV", path=path, line=1)
    return decode_text(raw, path,
                       what="CSV export (a spreadsheet saved as .xls cannot be read; save it as .xlsx or CSV)")


def sniff_delimiter(lines: list[str]) -> str:
    """The candidate seen most often in the first lines (outside quotes); a comma on a tie or none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    for line in lines:
        inside = False
        for char in line:
            if char == '"':
                inside = not inside
            elif not inside and char in counts:
                counts[char] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _csv_table(path: Path, text: str, delimiter: str | None) -> Table:
    lines = text[:100_000].splitlines()[:12]  # only the top is looked at: the header hint and the delimiter
    first_line = 1
    head = lines[0].strip().casefold() if lines else ""
    if head.startswith("sep=") and len(head) == 5:  # Excel's own delimiter hint
        delimiter = delimiter or lines[0].strip()[4]
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first_line = 2
    if delimiter is None:
        delimiter = sniff_delimiter([ln for ln in lines[first_line - 1:first_line + 9] if ln.strip()])
    return _split_head(path, _CsvBlocks(path, text, delimiter, first_line).read())


def _split_head(path: Path, blocks: Iterator[Block]) -> Table:
    """The first HEAD_ROWS non-blank records as Rows; what is left of their block goes first in `rest`."""
    head: list[Row] = []
    for block in blocks:
        take = HEAD_ROWS - len(head)
        places = block.places or repeat(None)
        head += map(Row, block.lines[:take], block.rows[:take], islice(places, take))
        if len(block.rows) > take:
            left = Block(block.lines[take:], block.rows[take:], block.places[take:] if block.places else None)
            return Table(path, head, chain((left,), blocks))
        if len(head) == HEAD_ROWS:
            break
    return Table(path, head, blocks)


def _text_lines(text: str) -> Iterator[str]:
    """The text's lines as csv wants them (ends kept; split at \\n, \\r\\n or \\r, like a file opened with
    newline=""): io.StringIO over one piece at a time, since it holds 4 bytes a character."""
    return chain.from_iterable(map(io.StringIO, _pieces(text), repeat("")))


def _pieces(text: str) -> Iterator[str]:
    start, end = 0, len(text)
    while start < end:
        cut = text.find("\n", start + PIECE_CHARS)  # cut after a \n: a \r\n pair stays whole
        stop = end if cut < 0 else cut + 1
        yield text[start:stop]
        start = stop


class _CsvBlocks:
    """A CSV text's non-blank records, block by block, each with the line it starts on.

    Fast path: while no record spans lines, record i starts on line i + first_line, which the csv
    reader's line count confirms after each block. The first block where it does not (a quoted cell
    with a line break) is read again from its first line record by record, and so is the rest.
    """

    def __init__(self, path: Path, text: str, delimiter: str, first_line: int) -> None:
        self.path, self.text, self.delimiter, self.first_line = path, text, delimiter, first_line

    def read(self) -> Iterator[Block]:
        reader = csv.reader(_text_lines(self.text), delimiter=self.delimiter, strict=True)
        size = HEAD_ROWS
        while True:
            before = reader.line_num
            try:
                records = list(islice(reader, size))
                spans = reader.line_num - before != len(records)
            except csv.Error:
                spans = True  # read again record by record, which says on which line
            if spans:
                yield from self._tracked(before)
                return
            if not records:
                return
            start = before + self.first_line
            yield _non_blank(range(start, start + len(records)), records)
            size = BLOCK_ROWS

    def _tracked(self, skip: int) -> Iterator[Block]:
        """The records from line `skip` + 1 on, tracking where each starts: for cells with line breaks, and
        for a located message when the CSV cannot be read."""
        reader = csv.reader(islice(_text_lines(self.text), skip, None), delimiter=self.delimiter, strict=True)
        lines: list[int] = []
        records: list[list[str]] = []
        previous_end = 0
        try:
            for cells in reader:
                lines.append(skip + previous_end + self.first_line)
                records.append(cells)
                previous_end = reader.line_num
                if len(records) == BLOCK_ROWS:
                    yield _non_blank(lines, records)
                    lines, records = [], []
        except csv.Error as exc:
            raise InputError(f"unreadable CSV: {exc}", path=self.path,
                             line=skip + previous_end + self.first_line) from None
        if records:
            yield _non_blank(lines, records)


def _non_blank(lines: Sequence[int], records: list[list[str]]) -> Block:
    """Blank records (no cell with anything but spaces) left out."""
    filled = list(map(str.strip, map("".join, records)))
    if all(filled):
        return Block(lines, records)
    return Block(list(compress(lines, filled)), list(compress(records, filled)))


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around bulk parsing.

    Reading a big roster allocates hundreds of thousands of lists and tuples, none of them cyclic;
    each allocation burst makes the collector rescan everything alive, which cost more than the parsing
    itself. Only the collector pauses (reference counting still frees memory) and only briefly.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _yaml_table(path: Path) -> Table:
    try:
        located = load_yaml(path, decode(path))
    except yaml.YAMLError as exc:  # defensive: only InputError may leave the parser
        raise InputError(f"invalid YAML: {str(exc).splitlines()[0]}", path=path) from None
    data = located.data
    prefix: tuple[str | int, ...] = ()
    if isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), list):
        prefix = (next(iter(data)),)  # `staff: [...]` or `people: [...]`
        data = next(iter(data.values()))
    if not isinstance(data, list):
        raise InputError("a YAML roster must be a list of people, one mapping per person "
                         "(e.g. - {name: Ann Lee, completed: 2025-03-01})", path=path, line=1)
    headers: dict[str, int] = {}
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            line, column = located.where((*prefix, i))
            raise InputError("each entry must be a mapping of column: value", path=path, line=line, column=column)
        for key in item:
            headers.setdefault(str(key), len(headers))
    lines: list[int] = []
    rows: list[list[str]] = []
    places_of: list[tuple[tuple[int, int], ...]] = []
    for i, item in enumerate(data):
        line, column = located.where((*prefix, i))
        cells = [""] * len(headers)
        places = [(line or 1, column or 1)] * len(headers)
        for key, value in item.items():
            at = headers[str(key)]
            key_line, key_column = located.where((*prefix, i, key))
            places[at] = (key_line or 1, key_column or 1)
            cells[at] = _cell(value, path, key_line, key_column, str(key))
        lines.append(line or 1)
        rows.append(cells)
        places_of.append(tuple(places))
    return Table(path, [Row(1, list(headers))], iter([Block(lines, rows, places_of)]), fixed_header=True)


def _cell(value: object, path: Path, line: int | None, column: int | None, key: str) -> str:
    if value is not None and not isinstance(value, (date, int, float, str)):  # bool is an int, datetime a date
        raise InputError("expected a single value, not a list or mapping", path=path, line=line, column=column,
                         key=key)
    return _scalar_text(value)


def xlsx_table(path: Path) -> Table:
    """The first worksheet that holds anything, as rows of text (openpyxl, read-only, cached values).

    A row's `line` is its row number in the sheet. Dates Excel stores as dates come out as ISO dates;
    whole numbers without ".0". The archive's unpacked size is checked first, so a zip bomb is refused.
    """
    raw = read_limited(path, MAX_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise InputError("not an .xlsx workbook (not a zip archive); save it as .xlsx or CSV", path=path) from None
    if unpacked > MAX_BYTES:
        raise InputError(f"the workbook unpacks to {unpacked:,} bytes; the limit is {MAX_BYTES:,}", path=path)
    import openpyxl  # only when a workbook is read: importing it costs time every other run would pay

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks; only InputError may leave
        raise InputError(f"unreadable .xlsx workbook: {type(exc).__name__}", path=path) from None
    try:
        for sheet in book.worksheets:
            records = [Row(number, cells) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
                       if "".join(cells := [_xlsx_cell(v) for v in values]).strip()]
            if records:
                return _split_head(path, iter([Block([r.line for r in records], [r.cells for r in records])]))
    finally:
        book.close()
    raise InputError("the workbook's sheets are empty", path=path, line=1)


def _xlsx_cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores every number as a float: an employee number 1042, not 1042.0
    return _scalar_text(value)


def _scalar_text(value: object) -> str:
    """One cell's value as the text a CSV export would hold (YAML rosters and workbooks alike)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
