"""Participant reports. One exporter per dataset; CSV, XLSX and PDF are renderings of the same rows.

An exporter's `iterate()` yields the header, then one row per enrolment (or institution) with typed
values (str, int, date, None). Its query computes the final cells in the database: choice labels,
names with titles, NIPs formatted or masked (`access.mask`'s rule), formula starts neutralised for
spreadsheets, and the results of the lifecycle by EnrolmentResultQuerySet's rules. The base class renders
the rows, states who made the file, when and with which filters, and writes an ExportLog entry. Every
dataset reads enrolments through `access.scope_enrolments`, so a liaison's file holds only the people of
their institution.

Rows come from one `values_list` query read with `iterator(chunk_size=...)`, or on PostgreSQL for CSV
streamed by COPY: a fixed number of queries and flat memory whatever the row count.

base.py: the filters, the read transaction and Exporter; datasets.py: the four datasets; pdf.py: the PDF.
"""

from reports.exports.base import (
    Column,
    Exporter,
    ExportFilters,
    ExportTooLarge,
    InvalidFilters,
    reading,
)
from reports.exports.datasets import (
    EXPORTERS,
    EnrolmentsExporter,
    HistoryExporter,
    InstitutionSummaryExporter,
    RosterExporter,
)

__all__ = [
    "EXPORTERS",
    "Column",
    "EnrolmentsExporter",
    "ExportFilters",
    "ExportTooLarge",
    "Exporter",
    "HistoryExporter",
    "InstitutionSummaryExporter",
    "InvalidFilters",
    "RosterExporter",
    "reading",
]
