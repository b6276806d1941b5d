"""The base of the participant reports: the filters, the read transaction, and Exporter, which computes the
cells in the database and renders its rows as CSV, XLSX or PDF (pdf.py) with an ExportLog entry."""

import contextlib
import datetime
import itertools
import tempfile
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Coalesce, Concat, Left, Length, LPad, Right, Substr
from django.db.models.lookups import In
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lifecycle.models import EnrolmentResult
from participants.access import can_see_personal_data, scope_enrolments
from participants.models import EnrolmentStatus, ExportOrigin
from programs.filters import ProgramFilter
from programs.models import Program
from reports.exports import pdf
from reports.models import ExportFormat, ExportLog
from trainingtracker.files import FORMULA_STARTS, csv_chunks, csv_text, neutralise

CHUNK_SIZE = 5000
PDF_MAX_ROWS_DEFAULT = 5000


@contextlib.contextmanager
def reading():
    """A read transaction tuned for one long scan.

    On PostgreSQL a server-side cursor outside a transaction is declared WITH HOLD, which makes the
    server run the whole query into a temporary store before the first row; inside a transaction the
    rows flow as they are found. cursor_tuple_fraction=1 tells the planner that every row will be
    read, not the first tenth (it otherwise picks fast-start nested loops). Measured at 100,000
    enrolments: the rows arrive in about two thirds of the time.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
                # DateStyle: COPY writes dates as csv.writer does. jit: compiling the export's query took
                # 0.23 s of a 1.1 s export of 20,000 rows, for no gain. random_page_cost: 1.1, the usual
                # figure for SSDs and for tables in memory, rather than 4 (a spinning disk's); set when the
                # lifecycle columns were subqueries run once per row (1.3 s instead of 2.4 s at 100,000
                # enrolments), it changes little with the grouped lifecycle tables.
                cursor.execute(
                    "SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1"
                )
        yield


@dataclass(frozen=True)
class Column:
    label: str
    width: int = 14  # characters in XLSX; relative width in PDF
    kind: str = "text"  # text, number or date
    pdf_width: int = 0  # relative width in PDF when it differs from `width`


class ExportTooLarge(Exception):
    """A PDF of this many rows would be unreadable and slow; CSV and XLSX have no such limit."""

    def __init__(self, rows, limit):
        self.rows, self.limit = rows, limit
        super().__init__(
            _("A PDF holds at most %(limit)d rows and this export has %(rows)d; choose CSV or XLSX.")
            % {"limit": limit, "rows": rows}
        )


class InvalidFilters(ValueError):
    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(errors))


class ExportFilters:
    """The program list's filters (ProgramFilter, same GET parameters) plus the enrolment status.

    ProgramFilter already uses `status` for the program's status, so the enrolment status is
    `enrolment_status`.
    """

    PARAMETERS = ["q", "program_type", "year", "status", "organiser", "venue", "enrolment_status"]

    class StatusForm(forms.Form):
        enrolment_status = forms.ChoiceField(
            label=gettext_lazy("Enrolment status"),
            choices=[("", gettext_lazy("Any enrolment status")), *EnrolmentStatus.choices],
            required=False,
        )

    def __init__(self, data):
        data = data or {}
        self.data = {key: data.get(key) for key in self.PARAMETERS if data.get(key) not in (None, "")}
        self.program_filter = ProgramFilter(self.data, queryset=Program.objects.all())
        self.status_form = self.StatusForm(self.data)

    def is_valid(self):
        return self.program_filter.is_valid() & self.status_form.is_valid()

    @property
    def errors(self):
        """['Year: Enter a number.', ...] in the active language."""
        messages = []
        for form in (self.program_filter.form, self.status_form):
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else name
                messages.extend(f"{label}: {error}" for error in errors)
        return messages

    def apply(self, enrolments):
        if not self.is_valid():
            raise InvalidFilters(self.errors)
        if any(key != "enrolment_status" for key in self.data):
            enrolments = enrolments.filter(program__in=self.program_filter.qs.order_by().values("pk"))
        status = self.status_form.cleaned_data.get("enrolment_status")
        if status:
            enrolments = enrolments.filter(status=status)
        return enrolments

    def describe(self):
        """[(label, shown value)] of the filters in use, in the active language."""
        described = []
        for form in (self.program_filter.form, self.status_form):
            for name, field in form.fields.items():
                value = form.cleaned_data.get(name)
                if value in (None, "", []) or name == "ordering":
                    continue
                if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                    value = dict(field.choices).get(value, value)
                described.append((str(field.label), str(value)))
        return described


class Exporter:
    """Base of the dataset exporters. Subclasses set dataset, title and columns and write query().

    query() returns a values_list whose cells are final: labels, names with titles, formatted or
    masked NIPs and neutralised text are computed by the database. PostgreSQL then streams the CSV
    itself with COPY (measured at 100,000 rows: a row-by-row Python CSV took 2.3x the time of a bare
    COPY, mostly fetching and writing cells one by one), and the other formats and databases read
    the same rows. An exporter that must still touch rows in Python sets copy_ready = False and
    overrides rows().
    """

    dataset = None
    title = ""
    columns = []
    landscape = True
    copy_ready = True
    zone = None  # the time zone of the file's times; None: the site's (a file of one program sets its own)

    def __init__(self, *, user, filter_data=None, enrolments=None, origin=ExportOrigin.WEB, note=""):
        """`user` None means the command line: every institution, unmasked. `enrolments` (an EnrolmentResult
        queryset) narrows the rows (the admin's selection); `note` describes that narrowing in the file."""
        self.user = user
        self.origin = origin
        self.filters = ExportFilters(filter_data)
        self.base = EnrolmentResult.objects.all() if enrolments is None else enrolments
        self.note = note
        self.unmasked = user is None or can_see_personal_data(user)
        # Spreadsheet formats neutralise formula starts; the PDF shows text as it is.
        self.neutralised = True
        self.made_at = timezone.now()
        self.log = None
        self.csv_rows = None

    # What subclasses provide ------------------------------------------------------------------------

    def query(self):
        raise NotImplementedError

    def rows(self):
        return self.query().iterator(chunk_size=CHUNK_SIZE)

    def heading(self):
        """Lines at the top of every PDF page."""
        return [str(self.title)]

    def subtitle(self):
        """A line under the PDF's title, or None."""
        return None

    def totals(self, rows):
        return [(_("Rows"), len(rows))]

    # Cells computed by the database -----------------------------------------------------------------

    def text(self, expression):
        """A text cell: NULL as '', and in spreadsheets a formula start prefixed with ' (neutralise())."""
        value = Coalesce(expression, Value(""), output_field=CharField())
        if not self.neutralised:
            return value
        return Case(
            When(In(Left(value, 1), list(FORMULA_STARTS)), then=Concat(Value("'"), value)),
            default=value,
            output_field=CharField(),
        )

    @staticmethod
    def label(field, choices):
        """The choice's label in the active language (ours, never a formula)."""
        return Case(
            *[When(**{field: code}, then=Value(str(label))) for code, label in choices],
            default=Value(""),
            output_field=CharField(),
        )

    def name(self, prefix):
        """'Dr. Name, M.Si.' from the front title, name and back title under `prefix`; '' without a name."""
        front, back = f"{prefix}front_title", f"{prefix}back_title"
        full = Concat(
            Case(When(**{front: ""}, then=Value("")), default=Concat(F(front), Value(" "))),
            F(f"{prefix}name"),
            Case(When(**{back: ""}, then=Value("")), default=Concat(Value(", "), F(back))),
            output_field=CharField(),
        )
        return self.text(Case(When(**{f"{prefix}name__isnull": True}, then=Value("")), default=full))

    def nip(self, field):
        """'19860926 201505 1 001' (format_nip), or masked to its last four digits (access.mask)."""
        nip = F(field)
        if self.unmasked:
            shown = Concat(
                Substr(nip, 1, 8),
                Value(" "),
                Substr(nip, 9, 6),
                Value(" "),
                Substr(nip, 15, 1),
                Value(" "),
                Substr(nip, 16, 3),
                output_field=CharField(),
            )
        else:
            shown = masked(nip)
        return Case(
            When(**{f"{field}__isnull": True}, then=Value("")), default=shown, output_field=CharField()
        )

    def personal(self, field):
        """Email, phone: as they are, or masked for users without participants.view_personal_data."""
        return self.text(F(field) if self.unmasked else masked(F(field)))

    @staticmethod
    def with_lifecycle(enrolments):
        """`enrolments` with their results by the rules of the pages, read through EnrolmentResultQuerySet:
        attendance_rate, final_score, qualification and certificate_number (its grouped lifecycle tables,
        one join for the three methods)."""
        return enrolments.with_attendance().with_results().with_certificate()

    def lifecycle_cells(self):
        """Attendance (%), final score, qualification, certificate number; needs with_lifecycle()."""
        return [
            F("attendance_rate"),
            F("final_score"),
            self.text(F("qualification")),
            self.text(F("certificate_number")),
        ]

    # Shared reading -------------------------------------------------------------------------------

    def is_valid(self):
        return self.filters.is_valid()

    def enrolments(self):
        enrolments = self.base if self.user is None else scope_enrolments(self.base, self.user)
        return self.filters.apply(enrolments)

    def cells(self, queryset, expressions):
        """values_list of the expressions, in column order."""
        names = [f"cell_{index}" for index in range(len(expressions))]
        return queryset.annotate(**dict(zip(names, expressions, strict=True))).values_list(*names)

    def header(self):
        return [str(column.label) for column in self.columns]

    def iterate(self):
        yield self.header()
        yield from self.rows()

    def status_totals(self, rows, index):
        counts = {}
        for row in rows:
            counts[row[index]] = counts.get(row[index], 0) + 1
        return [(_("Rows"), len(rows))] + sorted(counts.items())

    # About the file ---------------------------------------------------------------------------------

    def made_by(self):
        if self.user is None:
            return _("command line (manage.py)")
        return self.user.get_full_name() or self.user.get_username()

    def local_made_at(self):
        """When the file was made, in the zone of its program (zone), else the site's zone (WIB)."""
        return timezone.localtime(self.made_at, self.zone)

    def made_at_display(self):
        return self.local_made_at().strftime("%Y-%m-%d %H:%M %Z")

    def filter_lines(self):
        lines = [f"{label}: {value}" for label, value in self.filters.describe()]
        if self.note:
            lines.append(self.note)
        return lines

    def about(self):
        """[(label, value)] saying who made the file, when and with which filters."""
        return [
            (_("Report"), str(self.title)),
            (_("Made by"), self.made_by()),
            (_("Made at"), self.made_at_display()),
            (_("Filters"), "; ".join(self.filter_lines()) or _("none")),
        ]

    def log_filters(self):
        return dict(self.filters.data)

    def filename(self, fmt):
        return f"{self.dataset}-{self.local_made_at():%Y%m%d-%H%M}.{fmt}"

    def start_log(self, fmt, row_count=None):
        self.log = ExportLog.objects.create(
            user=self.user,
            dataset=self.dataset,
            format=fmt,
            origin=self.origin,
            filters=self.log_filters(),
            row_count=row_count,
        )
        return self.log

    # Rendering --------------------------------------------------------------------------------------

    def response(self, fmt):
        """An HttpResponse with the file as an attachment. CSV streams; XLSX and PDF are built first."""
        if fmt == ExportFormat.CSV:
            self.start_log(fmt)
            response = StreamingHttpResponse(
                self.csv_chunks(log=True), content_type="text/csv; charset=utf-8"
            )
        elif fmt == ExportFormat.XLSX:
            handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it after sending)
            count = self.write_xlsx(handle)
            self.start_log(fmt, count)
            handle.seek(0)
            response = FileResponse(
                handle, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
        elif fmt == ExportFormat.PDF:
            content, count = self.render_pdf()
            self.start_log(fmt, count)
            response = HttpResponse(content, content_type="application/pdf")
        else:
            raise ValueError(fmt)
        response.headers["Content-Disposition"] = content_disposition_header(True, self.filename(fmt))
        return response

    def write(self, fmt, handle):
        """Write the file to a binary file object and log it. Returns the row count."""
        if fmt == ExportFormat.CSV:
            for chunk in self.csv_chunks(log=False):
                handle.write(chunk)
            count = self.csv_rows
        elif fmt == ExportFormat.XLSX:
            count = self.write_xlsx(handle)
        elif fmt == ExportFormat.PDF:
            content, count = self.render_pdf()
            handle.write(content)
        else:
            raise ValueError(fmt)
        self.start_log(fmt, count)
        return count

    def csv_chunks(self, *, log):
        """The CSV file in pieces (trainingtracker.files.csv_chunks: UTF-8 with a BOM, every cell
        neutralised), then the rows that say who made the file. On PostgreSQL the rows come from COPY,
        streamed in pieces of about 64 KB."""
        self.neutralised = True
        with reading():
            if self.copy_ready and connection.vendor == "postgresql":
                yield from csv_chunks([self.header()])
                yield from self.copy_chunks()
            else:
                yield from csv_chunks(itertools.chain([self.header()], self.counted(self.rows())))
        yield csv_text([[], *self.about()]).encode()
        if log:
            ExportLog.objects.filter(pk=self.log.pk).update(row_count=self.csv_rows)

    def counted(self, rows):
        """The rows, counted into csv_rows once all are read."""
        count = 0
        for count, row in enumerate(rows, start=1):  # noqa: B007 (the last number is the count)
            yield row
        self.csv_rows = count

    def copy_chunks(self):
        try:
            sql, params = self.query().query.sql_with_params()
        except EmptyResultSet:  # a scope with no institution: nothing to ask the database
            self.csv_rows = 0
            return
        pending = bytearray()
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                for data in copy:
                    pending += data
                    if len(pending) >= 65536:
                        yield bytes(pending)
                        pending.clear()
            self.csv_rows = cursor.cursor.rowcount
        yield bytes(pending)

    def write_xlsx(self, handle):
        """Typed cells in constant memory: the rows go to disk as they are written. Returns the row count."""
        import xlsxwriter

        self.neutralised = True
        workbook = xlsxwriter.Workbook(
            handle,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        workbook.set_properties({"title": str(self.title), "author": self.made_by(), "created": self.made_at})
        bold = workbook.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet = workbook.add_worksheet(sheet_name(self.title))
        for index, column in enumerate(self.columns):
            sheet.set_column(index, index, column.width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, self.header(), bold)
        write_string, write_number, write_datetime = (
            sheet.write_string,
            sheet.write_number,
            sheet.write_datetime,
        )
        number = 0
        with reading():
            for number, row in enumerate(self.rows(), start=1):
                for col, value in enumerate(row):
                    kind = value.__class__
                    if kind is str:
                        if value:
                            write_string(number, col, value)
                    elif kind is int or kind is float or kind is Decimal:
                        write_number(number, col, value)
                    elif kind is datetime.date:
                        write_datetime(number, col, value, date)
                    elif value is not None:
                        write_string(number, col, str(value))
        sheet.autofilter(0, 0, max(number, 1), len(self.columns) - 1)
        info = workbook.add_worksheet(sheet_name(_("About this file")))
        info.set_column(0, 0, 18)
        info.set_column(1, 1, 80)
        for index, (label, value) in enumerate(self.about()):
            info.write_string(index, 0, str(label), bold)
            info.write_string(index, 1, neutralise(str(value)))
        workbook.close()
        return number

    def pdf_limit(self):
        return getattr(settings, "EXPORT_PDF_MAX_ROWS", PDF_MAX_ROWS_DEFAULT)

    def render_pdf(self):
        """(PDF bytes, row count). Raises ExportTooLarge past the row limit, PdfFontMissing without DejaVu."""
        self.neutralised = False
        rows = []
        with reading():
            for row in self.rows():
                rows.append(row)
                if len(rows) > self.pdf_limit():
                    raise ExportTooLarge(self.enrolments().count(), self.pdf_limit())
        return pdf.render_pdf(self, self.header(), rows), len(rows)


def masked(expression):
    """access.mask in SQL: every character but the last four as '•'; '' stays ''."""
    return LPad(Right(expression, 4), Length(expression), Value("•"))


def sheet_name(title):
    name = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")
    return name[:31] or "Sheet1"
