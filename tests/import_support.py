"""Rows and files for the participant import tests: a header, two valid participants, CSV and XLSX bytes."""

import csv
import datetime
import io

import xlsxwriter

HEADER = ["nip", "name", "back_title", "institution", "birth_date", "gender", "rank", "email", "status"]
ANDI = [
    "19860926 201505 1 001",
    "Andi Wijaya",
    "S.T.",
    "Dinas Kesehatan Provinsi Banten",
    "26/09/1986",
    "L",
    "IV/a",
    "andi@example.go.id",
    "registered",
]
SITI = [
    "199001012015032002",
    "Siti Rahma",
    "M.Si.",
    "dinas  kesehatan provinsi banten",
    "1990-01-01",
    "P",
    "iv/b",
    "",
    "active",
]


def csv_bytes(rows, header=HEADER, *, delimiter=",", encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER):
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"strings_to_numbers": False})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, header)
    date = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write_datetime(number, col, value, date)
            elif isinstance(value, int | float):
                sheet.write_number(number, col, value)
            else:
                sheet.write_string(number, col, value)
    workbook.close()
    return output.getvalue()
