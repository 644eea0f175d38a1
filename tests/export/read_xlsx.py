"""Reads a workbook hubmail exported with openpyxl (a real XLSX reader, from Debian's
python3-openpyxl) and prints what a drafter would see in it as JSON: each sheet's name,
header row, frozen panes, filter, the text column's wrapping and every row's values."""

import json
import sys

import openpyxl

book = openpyxl.load_workbook(sys.argv[1])
out = []
for sheet in book:
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    headers = rows[0] if rows else []
    text_col = headers.index("text") + 1 if "text" in headers else None
    wrapped = None
    if text_col and sheet.max_row > 1:
        wrapped = all(
            sheet.cell(row=r, column=text_col).alignment.wrap_text
            for r in range(2, sheet.max_row + 1)
        )
    out.append(
        {
            "name": sheet.title,
            "headers": headers,
            "freeze": sheet.freeze_panes,
            "filter": sheet.auto_filter.ref,
            "text_wrapped": wrapped,
            "rows": rows[1:],
        }
    )
json.dump(out, sys.stdout, default=str)
