"""Read an uploaded CSV or XLSX file into a header row and data rows.

CSV encodings are detected in this order: a byte-order mark (UTF-8, UTF-16,
UTF-32), strict UTF-8, UTF-16 without a BOM (many NUL bytes), then
charset-normalizer limited to the encodings spreadsheets really use here
(GB18030 and its subsets GBK/GB2312, Big5, Windows-1252, Shift-JIS, EUC-KR),
then a strict GB18030 decode. The delimiter (comma, semicolon or tab) is the
one that splits the first lines into the most consistent columns.

Cells are stripped, fully empty rows skipped, and every row keeps its 1-based
number in the file (the header is row 1) for the error report. Nothing here
touches the database or the request.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from ..i18n import lazy_gettext as _l

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 100
MAX_CELL = 2000

# Encodings a user may force on the upload form (auto-detection otherwise).
ENCODING_CHOICES = [
    ("", _l("Detect automatically")),
    ("utf-8", "UTF-8"),
    ("gb18030", "GB18030 / GBK / GB2312"),
    ("big5", "Big5"),
    ("utf-16", "UTF-16"),
    ("cp1252", "Windows-1252 (Western Europe)"),
]
_DETECT_AMONG = ["gb18030", "big5", "cp1252", "shift_jis", "euc_kr"]
_CHINESE_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_DELIMITERS = (",", ";", "\t")
# Magic numbers of files people upload by mistake.
_NOT_TABLES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0", b"Rar!", b"\x1f\x8b", b"7z\xbc\xaf")


class ImportFileError(ValueError):
    """The file cannot be read; ``args[0]`` is a lazy, translatable message."""

    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass
class Row:
    number: int  # 1-based line of the file or worksheet; the header is row 1
    values: list[str]


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    format: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    skipped_empty: int = 0
    notes: list = field(default_factory=list)

    @property
    def delimiter_name(self):
        return {",": _l("comma"), ";": _l("semicolon"), "\t": _l("tab")}.get(self.delimiter or "", "")


def file_format(data: bytes, filename: str | None) -> str:
    """"csv" or "xlsx"; ImportFileError for anything else (PDF, old .xls, images...)."""
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04"):  # a zip: XLSX (even if renamed .csv)
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise ImportFileError(_l("Old Excel files (.xls) cannot be read. In Excel, save the file as "
                                 "“Excel Workbook (.xlsx)” or “CSV UTF-8” and upload it again."))
    if data.startswith(_NOT_TABLES) or name.endswith((".pdf", ".doc", ".docx", ".numbers", ".ods", ".png", ".jpg")):
        raise ImportFileError(_l("This is not a CSV or XLSX file. Upload a spreadsheet saved as CSV or XLSX."))
    return "csv"


def read_table(data: bytes, filename: str | None = None, *, encoding: str | None = None,
               max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    """Parse ``data`` (the uploaded bytes); ImportFileError with a clear message if it cannot."""
    if not data:
        raise ImportFileError(_l("The file is empty."))
    if len(data) > max_bytes:
        raise ImportFileError(_l("The file is too large (%(size)s MB). The limit is %(limit)s MB: split it into "
                                 "several files.", size=_mb(len(data)), limit=_mb(max_bytes)))
    if file_format(data, filename) == "xlsx":
        return _read_xlsx(data, max_rows)
    return _read_csv(data, encoding, max_rows)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- CSV


def detect_encoding(data: bytes) -> str:
    """The encoding of CSV ``data`` (a Python codec name)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:4000]
    if sample and sample.count(0) > len(sample) // 4:  # UTF-16 without a BOM: every other byte is NUL
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_DETECT_AMONG).best()
    if best is not None:
        name = best.encoding.lower().replace("-", "_")
        return "gb18030" if name in _CHINESE_FAMILY else best.encoding
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        raise ImportFileError(_l("The file's text encoding could not be recognised. Save it as “CSV UTF-8” "
                                 "and upload it again, or choose the encoding on the upload form.")) from None


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used)."""
    chosen = encoding or detect_encoding(data)
    if chosen in ("utf-8", "utf_8") and data.startswith(codecs.BOM_UTF8):
        chosen = "utf-8-sig"
    try:
        text = data.decode(chosen)
    except (UnicodeDecodeError, LookupError):
        raise ImportFileError(_l("The file cannot be read as %(encoding)s. Choose another encoding or "
                                 "“Detect automatically”.", encoding=chosen)) from None
    if "\x00" in text:
        raise ImportFileError(_l("This is not a CSV or XLSX file. Upload a spreadsheet saved as CSV or XLSX."))
    return text.lstrip("\ufeff"), chosen


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one giving the most consistent, widest columns on the first lines."""
    lines = text.splitlines()[:30]
    sample = "\n".join(lines)
    best, best_score = ",", (0, 0.0, 0)
    for delimiter in _DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        consistent = sum(1 for w in widths if w == widths[0]) / len(widths)
        score = (1, consistent, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, encoding: str | None, max_rows: int) -> Table:
    text, used = decode(data, encoding)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _build_table(enumerate(reader, start=1), "csv", max_rows, encoding=used, delimiter=delimiter)
    except csv.Error as exc:
        raise ImportFileError(_l("The CSV file is malformed near line %(line)d.", line=reader.line_num)) from exc


# ---------------------------------------------------------------- XLSX


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers and counts typed as numbers
    return str(value)


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ImportFileError(_l("This XLSX file could not be read. Open it in Excel and save it again, "
                                 "or save it as CSV.")) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(_l("The file is empty."))
        rows = ((n, [_cell_text(v) for v in values])
                for n, values in enumerate(sheet.iter_rows(values_only=True), start=1))
        table = _build_table(rows, "xlsx", max_rows)
        if len(workbook.worksheets) > 1:
            table.notes.append(_l("Only the first worksheet (“%(name)s”) is imported.", name=sheet.title))
        return table
    finally:
        workbook.close()


# ---------------------------------------------------------------- common


def _clean(value: str) -> str:
    value = value.replace("\ufeff", "").replace("\u00a0", " ").strip()
    return value[:MAX_CELL]


def _build_table(numbered_rows, fmt: str, max_rows: int, **info) -> Table:
    headers: list[str] | None = None
    rows: list[Row] = []
    skipped = 0
    width = 0
    for number, raw in numbered_rows:
        values = [_clean(v) for v in raw]
        while values and not values[-1]:
            values.pop()
        if not values:
            if headers is not None:
                skipped += 1
            continue
        if headers is None:
            headers = [" ".join(v.split()) for v in values]
            width = len(headers)
            continue
        if len(rows) >= max_rows:
            raise ImportFileError(_l("The file has more than %(max)d rows. Split it into several files.",
                                     max=max_rows))
        width = max(width, len(values))
        rows.append(Row(number, values))
    if headers is None:
        raise ImportFileError(_l("The file is empty."))
    if width > MAX_COLUMNS:
        raise ImportFileError(_l("The file has more than %(max)d columns. Is the first row the header?",
                                 max=MAX_COLUMNS))
    headers += [""] * (width - len(headers))
    headers = [h or str(_l("Column %(number)d", number=i + 1)) for i, h in enumerate(headers)]
    for row in rows:
        row.values += [""] * (width - len(row.values))
    if not rows:
        raise ImportFileError(_l("The file has a header row but no data rows."))
    return Table(headers=headers, rows=rows, format=fmt, skipped_empty=skipped, **info)
