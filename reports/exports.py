"""Participant reports. One exporter per dataset; CSV, XLSX and PDF are renderings of the same rows.

An exporter's `iterate()` yields the header, then one row per enrolment (or institution) with typed
values (str, int, date, None). Its query computes the final cells in the database: choice labels,
names with titles, NIPs formatted or masked (`access.mask`'s rule), formula starts neutralised for
spreadsheets. The base class renders the rows, states who made the file, when and with which filters,
and writes an ExportLog entry. Every dataset reads enrolments through `access.scope_enrolments`, so a
liaison's file holds only the people of their institution.

Rows come from one `values_list` query read with `iterator(chunk_size=...)`, or on PostgreSQL for CSV
streamed by COPY: a fixed number of queries and flat memory whatever the row count.
"""

import contextlib
import csv
import datetime
import functools
import glob
import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from django import forms
from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    Lead,
    Left,
    Length,
    LPad,
    NullIf,
    Right,
    Round,
    RowNumber,
    Substr,
)
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, In, IsNull, LessThan
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lifecycle.models import ATTENDED_STATUSES, Attendance, ComputedScoreField, EvaluationScore
from participants.access import can_see_personal_data, scope_enrolments
from participants.models import ChangeProjectStage, Enrolment, EnrolmentStatus, ExportOrigin, Gender
from programs.filters import ProgramFilter
from programs.models import EvaluationComponent, InstitutionKind, Program, Qualification
from programs.roman import to_roman
from reports.models import ExportDataset, ExportFormat, ExportLog
from trainingtracker.joins import JoinedColumn, join_table

CHUNK_SIZE = 5000
# Characters that make a spreadsheet read a text cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
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
                # DateStyle: COPY writes dates as csv.writer does. jit: compiling the export's query
                # (then a few subqueries per row) took 0.23 s of a 1.1 s export of 20,000 rows, for no
                # gain; with_lifecycle()'s joined tables at 100,000 rows: 1.10 s with it, 1.05 s without.
                # random_page_cost: 1.1, the usual figure for SSDs and for tables in memory, rather than 4
                # (a spinning disk's). Set when the lifecycle columns were subqueries run once per row,
                # which PostgreSQL otherwise answered by reading the small score, qualification and
                # certificate tables whole for every row: 1.3 s instead of 2.4 s at 100,000 enrolments.
                # With the joined tables it changes little (the same export 0.99 s against 1.03 s).
                cursor.execute(
                    "SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1"
                )
        yield


def neutralise(value):
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe; others unchanged."""
    if value.__class__ is str and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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


class PdfFontMissing(ImproperlyConfigured):
    pass


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

    def __init__(self, *, user, filter_data=None, enrolments=None, origin=ExportOrigin.WEB, note=""):
        """`user` None means the command line: every institution, unmasked. `enrolments` narrows the
        rows (the admin's selection); `note` describes that narrowing in the file."""
        self.user = user
        self.origin = origin
        self.filters = ExportFilters(filter_data)
        self.base = Enrolment.objects.all() if enrolments is None else enrolments
        self.note = note
        self.unmasked = user is None or can_see_personal_data(user)
        # Spreadsheet formats neutralise formula starts; the PDF shows text as it is.
        self.neutralised = True
        self.made_at = timezone.now()
        self.log = None

    # What subclasses provide ------------------------------------------------------------------------

    def query(self):
        raise NotImplementedError

    def rows(self):
        return self.query().iterator(chunk_size=CHUNK_SIZE)

    def heading(self):
        """Lines at the top of every PDF page."""
        return [str(self.title)]

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

    def with_lifecycle(self, enrolments):
        """The rows of `enrolments`, as a queryset of Enrolment, annotated with the lifecycle's results by
        the rules of the pages: attendance_percent (Enrolment.attendance_rate), export_final_score and
        export_qualification (EnrolmentQuerySet.with_results()), export_certificate of the valid
        certificate (with_certificate()); the text ones already neutralised.

        They come from one table with a row per enrolment of the file, `lifecycle`: `enrolments` (their
        filters and scope) grouped per enrolment, with
        - its attendance records (LEFT JOIN): the rate by attendance_rate_expression(), the pages' rule;
        - its valid certificate (at most one per enrolment, a unique constraint);
        - `lifecycle_results`, its final score: its scores on the components of its program's type,
          grouped per enrolment; complete when their number is the type's component count
          (`lifecycle_components`, grouped per type; scores are unique per component, so the scored
          weights are then the type's weights); the weighted mean rounded to two decimals. It reads only
          the scores of the file's enrolments (`enrolment IN (their ids)`), so that a roster reads its
          program's scores through the index;
        - `lifecycle_qualifications`, its qualification: each threshold of a type with the next one up
          (LEAD); the final score falls in the range of the highest threshold it reaches.
        The rows are Enrolment INNER JOIN `lifecycle` (join_table()), which holds the filters. Each
        grouped table is computed once, where these columns were subqueries run once per row: first
        with_results()'s own (a 20,000-row export read through it ran 31 subqueries per row and took 25
        times as long as without these columns), then one grouped subquery per column (the enrolments
        dataset at 100,000 enrolments: 1.9 s in EXPLAIN ANALYZE; with the joined tables 1.1 s).

        Why one table that holds the filters: PostgreSQL searches the order of at most 8 joined tables
        (join_collapse_limit). The file's other columns join 6 with the enrolment, a filter
        (`program IN (...)`) adds one or two; with each grouped table joined to the rows a year's
        export was read whole before the filter (0.29 s against 0.23 s with the subqueries). The grouped
        `lifecycle` is planned on its own, its filter first (0.17 s). Tests compare the columns with the
        pages on the same data.
        """
        ids = enrolments.order_by().values("pk")
        components = JoinedColumn.of("lifecycle_components")
        scores = join_table(
            EvaluationScore.objects.filter(
                enrolment__in=ids, component__program_type=F("enrolment__program__program_type")
            ).order_by(),
            "lifecycle_components",
            EvaluationComponent.objects.order_by().values(type=F("program_type")).annotate(n=Count("pk")),
            on=Exact(F("component__program_type"), components("type")),
        )
        floats = FloatField()
        weights = Sum("component__weight")
        results = scores.values(
            key=F("enrolment"), type=F("component__program_type"), n=components("n", IntegerField())
        ).annotate(
            final=Case(
                When(
                    Exact(Count("pk"), F("n")) & GreaterThan(weights, 0),
                    # Floats so that SQLite does not divide integers; rounded to the two decimals shown.
                    then=Cast(
                        Round(
                            Cast(Sum(F("score") * F("component__weight")), floats) / Cast(weights, floats), 2
                        ),
                        ComputedScoreField(),
                    ),
                ),
                default=None,
                output_field=ComputedScoreField(),
            )
        )
        result = JoinedColumn.of("lifecycle_results")
        final = result("final", ComputedScoreField())
        lifecycle = join_table(
            enrolments.order_by().alias(
                valid_certificate=FilteredRelation("certificates", condition=Q(certificates__revoked_at=None))
            ),
            "lifecycle_results",
            results,
            on=Exact(F("pk"), result("key")),
        )
        qualification = JoinedColumn.of("lifecycle_qualifications")
        next_up = qualification("next_up", ComputedScoreField())
        lifecycle = join_table(
            lifecycle,
            "lifecycle_qualifications",
            Qualification.objects.order_by().values(
                type=F("program_type"),
                lowest=F("min_score"),
                next_up=Window(
                    Lead("min_score"), partition_by=F("program_type"), order_by=F("min_score").asc()
                ),
                shown=self.text(F("label")),
            ),
            on=Exact(result("type", IntegerField()), qualification("type"))
            & GreaterThanOrEqual(final, qualification("lowest"))
            & (IsNull(next_up, True) | LessThan(final, next_up)),
        )
        # Grouped by the enrolment alone; the one-per-enrolment columns through MAX().
        lifecycle = lifecycle.values(key=F("pk")).annotate(
            rate=attendance_rate_expression("attendance__"),
            final=Max(final),
            qualification=Coalesce(Max(qualification("shown", CharField())), Value("")),
            certificate=self.text(Max("valid_certificate__number")),
        )
        row = JoinedColumn.of("lifecycle")
        return join_table(
            Enrolment.objects.all(), "lifecycle", lifecycle, on=Exact(F("pk"), row("key")), inner=True
        ).annotate(
            attendance_percent=row("rate", PercentField()),
            export_final_score=row("final", ComputedScoreField()),
            export_qualification=row("qualification", CharField()),
            export_certificate=row("certificate", CharField()),
        )

    @staticmethod
    def lifecycle_cells():
        """Attendance (%), final score, qualification, certificate number; needs with_lifecycle()."""
        return [
            F("attendance_percent"),
            F("export_final_score"),
            F("export_qualification"),
            F("export_certificate"),
        ]

    def personal(self, field):
        """Email, phone: as they are, or masked for users without participants.view_personal_data."""
        return self.text(F(field) if self.unmasked else masked(F(field)))

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

    def iterate(self):
        yield [str(column.label) for column in self.columns]
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

    def made_at_display(self):
        return timezone.localtime(self.made_at).strftime("%Y-%m-%d %H:%M %Z")

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
        return f"{self.dataset}-{timezone.localtime(self.made_at):%Y%m%d-%H%M}.{fmt}"

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
                self._csv_chunks(log=True), content_type="text/csv; charset=utf-8"
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
            for chunk in self._csv_chunks(log=False):
                handle.write(chunk)
            count = self._csv_rows
        elif fmt == ExportFormat.XLSX:
            count = self.write_xlsx(handle)
        elif fmt == ExportFormat.PDF:
            content, count = self.render_pdf()
            handle.write(content)
        else:
            raise ValueError(fmt)
        self.start_log(fmt, count)
        return count

    def _csv_chunks(self, *, log):
        """UTF-8 with a BOM (spreadsheet programs then read it as UTF-8), streamed in pieces of about
        64 KB, then the rows that say who made the file."""
        self.neutralised = True
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([str(column.label) for column in self.columns])
        yield "\ufeff".encode() + buffer.getvalue().encode()
        with reading():
            if self.copy_ready and connection.vendor == "postgresql":
                chunks = self._copy_chunks()
            else:
                chunks = self._python_chunks(buffer, writer)
            yield from chunks
        batch = [[], *([neutralise(label), neutralise(value)] for label, value in self.about())]
        yield self._csv_text(buffer, writer, batch)
        if log:
            ExportLog.objects.filter(pk=self.log.pk).update(row_count=self._csv_rows)

    def _copy_chunks(self):
        try:
            sql, params = self.query().query.sql_with_params()
        except EmptyResultSet:  # a scope with no institution: nothing to ask the database
            self._csv_rows = 0
            return
        pending = bytearray()
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                for data in copy:
                    pending += data
                    if len(pending) >= 65536:
                        yield bytes(pending)
                        pending.clear()
            self._csv_rows = cursor.cursor.rowcount
        yield bytes(pending)

    def _python_chunks(self, buffer, writer):
        count, batch = 0, []
        for row in self.rows():
            batch.append(row)
            if len(batch) == 1000:
                count += len(batch)
                yield self._csv_text(buffer, writer, batch)
                batch = []
        count += len(batch)
        yield self._csv_text(buffer, writer, batch)
        self._csv_rows = count

    @staticmethod
    def _csv_text(buffer, writer, batch):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        return buffer.getvalue().encode()

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
        sheet = workbook.add_worksheet(_sheet_name(self.title))
        for index, column in enumerate(self.columns):
            sheet.set_column(index, index, column.width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, [str(column.label) for column in self.columns], bold)
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
        info = workbook.add_worksheet(_sheet_name(_("About this file")))
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
        header = [str(column.label) for column in self.columns]
        return render_pdf(self, header, rows), len(rows)


def masked(expression):
    """access.mask in SQL: every character but the last four as '•'; '' stays ''."""
    return LPad(Right(expression, 4), Length(expression), Value("•"))


def attendance_rate_expression(prefix=""):
    """The attendance rate of a group of Attendance rows (reached through `prefix`, e.g. "attendance__"
    from Enrolment), as an aggregate; NULL when the group has no record.

    Enrolment.attendance_rate's rule in SQL, so that a page and a file never disagree: the present or
    late records (ATTENDED_STATUSES) in percent of the recorded ones, one decimal, rounded half to even
    as Decimal.quantize does (attendance_percent). The tie is decided on integers (tenths of a percent
    and the remainder), because PostgreSQL's ROUND rounds half away from zero and SQLite's works on
    floats. Each count is computed once per group, rather than with_attendance()'s two counts repeated
    in every step of the arithmetic.
    """
    # NULLIF: an enrolment without records, reached through a LEFT JOIN, is a group of one row with none.
    recorded = NullIf(Count(f"{prefix}pk"), 0)
    attended = Count(f"{prefix}pk", filter=Q(**{f"{prefix}status__in": ATTENDED_STATUSES}))
    tenths = attended * 1000 / recorded  # integer division on both databases
    remainder = attended * 1000 - tenths * recorded
    rounded = tenths + Case(
        When(GreaterThan(remainder * 2, recorded), then=Value(1)),
        When(Exact(remainder * 2, recorded) & Exact(tenths - tenths / 2 * 2, 1), then=Value(1)),
        default=Value(0),
    )
    return Cast(Cast(rounded, FloatField()) / Value(10.0), PercentField())


def attendance_rate(records):
    """The attendance rate of `records` (Attendance rows grouped into one group) as a Subquery; NULL when
    nothing is recorded."""
    return Subquery(
        records.order_by().annotate(rate=attendance_rate_expression()).values("rate")[:1],
        output_field=PercentField(),
    )


class PercentField(DecimalField):
    """Output field of computed percentages: one decimal, also when SQLite hands back 100.0 as 100."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=4, decimal_places=1, **kwargs)

    def from_db_value(self, value, expression, connection):
        return None if value is None else Decimal(value).quantize(Decimal("0.1"))


def _sheet_name(title):
    name = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")
    return name[:31] or "Sheet1"


# Datasets ---------------------------------------------------------------------------------------------


class RosterExporter(Exporter):
    """(1) The participants of one program, with their change project."""

    dataset = ExportDataset.ROSTER
    title = gettext_lazy("Participant roster")
    columns = [
        Column(gettext_lazy("No."), 5, "number", pdf_width=4),
        Column(gettext_lazy("NIP"), 22, pdf_width=15),
        Column(gettext_lazy("Name"), 34, pdf_width=30),
        Column(gettext_lazy("Gender"), 10, pdf_width=9),
        Column(gettext_lazy("Rank"), 7, pdf_width=6),
        Column(gettext_lazy("Position"), 26, pdf_width=12),
        Column(gettext_lazy("Institution"), 34, pdf_width=18),
        Column(gettext_lazy("Institution kind"), 20, pdf_width=12),
        Column(gettext_lazy("Status"), 14, pdf_width=10),
        Column(gettext_lazy("Change project"), 40, pdf_width=18),
        Column(gettext_lazy("Stage"), 16, pdf_width=9),
        Column(gettext_lazy("Coach"), 26, pdf_width=15),
        Column(gettext_lazy("Mentor"), 26, pdf_width=13),
        Column(gettext_lazy("Email"), 26, pdf_width=16),
        Column(gettext_lazy("Phone"), 16, pdf_width=11),
        Column(gettext_lazy("Note"), 20, pdf_width=8),
        Column(gettext_lazy("Attendance (%)"), 11, "number", pdf_width=9),
        Column(gettext_lazy("Final score"), 10, "number", pdf_width=9),
        Column(gettext_lazy("Qualification"), 20, pdf_width=16),
        Column(gettext_lazy("Certificate number"), 24, pdf_width=18),
    ]

    def __init__(self, *, program, **kwargs):
        super().__init__(**kwargs)
        self.program = program
        self.base = self.base.filter(program=program)

    def heading(self):
        program = self.program
        return [
            program.organiser.name,
            " · ".join(part for part in (program.title, program.cohort_label) if part),
        ]

    def about(self):
        return [(_("Program"), self.program.title), *super().about()]

    def log_filters(self):
        return {"program": self.program.pk, **super().log_filters()}

    def filename(self, fmt):
        slug = slugify(self.program.title)[:60] or self.program.pk
        return f"roster-{slug}-{timezone.localtime(self.made_at):%Y%m%d-%H%M}.{fmt}"

    def query(self):
        order = [F("participant__name").asc(), F("pk").asc()]
        return self.cells(
            self.with_lifecycle(self.enrolments()).order_by(*order),
            [
                Window(RowNumber(), order_by=order),
                self.nip("participant__nip"),
                self.name("participant__"),
                self.label("participant__gender", Gender.choices),
                self.text(F("participant__rank")),
                self.text(F("participant__position")),
                self.text(F("participant__institution__name")),
                self.label("participant__institution__kind", InstitutionKind.choices),
                self.label("status", EnrolmentStatus.choices),
                self.text(F("change_project__title")),
                self.label("change_project__stage", ChangeProjectStage.choices),
                self.name("change_project__coach__"),
                self.name("change_project__mentor__"),
                self.personal("participant__email"),
                self.personal("participant__phone"),
                self.text(F("note")),
                *self.lifecycle_cells(),
            ],
        )

    def totals(self, rows):
        return self.status_totals(rows, 8)


class EnrolmentsExporter(Exporter):
    """(2) Enrolments across programs, filtered as the program list is."""

    dataset = ExportDataset.ENROLMENTS
    title = gettext_lazy("Enrolments across programs")
    columns = [
        Column(gettext_lazy("Program"), 36),
        Column(gettext_lazy("Type"), 14),
        Column(gettext_lazy("Year"), 6, "number"),
        Column(gettext_lazy("Angkatan"), 9, "number"),
        Column(gettext_lazy("Class"), 6),
        Column(gettext_lazy("Organiser"), 30),
        Column(gettext_lazy("Start"), 11, "date"),
        Column(gettext_lazy("End"), 11, "date"),
        Column(gettext_lazy("NIP"), 22),
        Column(gettext_lazy("Name"), 32),
        Column(gettext_lazy("Gender"), 10),
        Column(gettext_lazy("Rank"), 7),
        Column(gettext_lazy("Position"), 26),
        Column(gettext_lazy("Institution"), 32),
        Column(gettext_lazy("Status"), 14),
        Column(gettext_lazy("Attendance (%)"), 11, "number", pdf_width=13),
        Column(gettext_lazy("Final score"), 10, "number", pdf_width=13),
        Column(gettext_lazy("Qualification"), 20),
        Column(gettext_lazy("Certificate number"), 24),
    ]

    def query(self):
        return self.cells(
            self.with_lifecycle(self.enrolments()).order_by(
                "-program__start_date", "program_id", "participant__name", "pk"
            ),
            [
                self.text(F("program__title")),
                self.text(F("program__program_type__abbreviation")),
                F("program__year"),
                F("program__angkatan"),
                self.text(F("program__class_name")),
                self.text(F("program__organiser__name")),
                F("program__start_date"),
                F("program__end_date"),
                self.nip("participant__nip"),
                self.name("participant__"),
                self.label("participant__gender", Gender.choices),
                self.text(F("participant__rank")),
                self.text(F("participant__position")),
                self.text(F("participant__institution__name")),
                self.label("status", EnrolmentStatus.choices),
                *self.lifecycle_cells(),
            ],
        )

    def totals(self, rows):
        return self.status_totals(rows, 14)


SUMMARY_GROUPS = {
    "in_training": [EnrolmentStatus.NOMINATED, EnrolmentStatus.REGISTERED, EnrolmentStatus.ACTIVE],
    "passed": [EnrolmentStatus.PASSED, EnrolmentStatus.PASSED_DEFERRED],
    "not_passed": [EnrolmentStatus.FAILED, EnrolmentStatus.DID_NOT_FINISH],
    "left": [EnrolmentStatus.WITHDRAWN, EnrolmentStatus.DISMISSED],
}


class InstitutionSummaryExporter(Exporter):
    """(3) Per institution: participants, programs and enrolments by outcome."""

    dataset = ExportDataset.INSTITUTIONS
    title = gettext_lazy("Summary per institution")
    columns = [
        Column(gettext_lazy("Institution"), 40),
        Column(gettext_lazy("Kind"), 22),
        Column(gettext_lazy("Province"), 16),
        Column(gettext_lazy("Parent institution"), 30),
        Column(gettext_lazy("Participants"), 12, "number"),
        Column(gettext_lazy("Programs"), 10, "number"),
        Column(gettext_lazy("Enrolments"), 11, "number"),
        Column(gettext_lazy("Nominated or in training"), 14, "number"),
        Column(gettext_lazy("Passed"), 10, "number"),
        Column(gettext_lazy("Did not pass"), 11, "number"),
        Column(gettext_lazy("Withdrew or dismissed"), 12, "number"),
        Column(gettext_lazy("Attendance (%)"), 11, "number"),
    ]

    def query(self):
        institution = "participant__institution__"
        # The institution's rate over the attendance of the enrolments in the file, by the same rule
        # as one enrolment's rate: attended records in percent of recorded records.
        records = Attendance.objects.filter(
            enrolment__in=self.enrolments().order_by().values("pk"),
            enrolment__participant__institution=OuterRef(f"{institution}id"),
        ).values("enrolment__participant__institution")
        grouped = (
            self.enrolments()
            .order_by()
            .values(
                f"{institution}id",
                f"{institution}name",
                f"{institution}kind",
                f"{institution}province",
                f"{institution}parent__name",
            )
        )
        return (
            grouped.annotate(
                cell_0=self.text(F(f"{institution}name")),
                cell_1=self.label(f"{institution}kind", InstitutionKind.choices),
                cell_2=self.text(F(f"{institution}province")),
                cell_3=self.text(F(f"{institution}parent__name")),
                cell_4=Count("participant_id", distinct=True),
                cell_5=Count("program_id", distinct=True),
                cell_6=Count("pk"),
                **{
                    f"cell_{index}": Count("pk", filter=Q(status__in=statuses))
                    for index, statuses in enumerate(SUMMARY_GROUPS.values(), start=7)
                },
                cell_11=attendance_rate(records),
            )
            .order_by(f"{institution}name", f"{institution}id")
            .values_list(*[f"cell_{index}" for index in range(len(self.columns))])
        )

    def totals(self, rows):
        labels = [str(column.label) for column in self.columns]
        return [(_("Institutions"), len(rows))] + [
            (labels[index], sum(row[index] for row in rows)) for index in (6, 7, 8, 9, 10)
        ]


class HistoryExporter(Exporter):
    """(4) Training history in the shape a civil-service HR operator enters it (SIASN, MyASN)."""

    dataset = ExportDataset.HISTORY
    title = gettext_lazy("Training history")
    copy_ready = False  # the angkatan is written in Roman numerals, in Python
    columns = [
        Column(gettext_lazy("NIP"), 22),
        Column(gettext_lazy("Name"), 32),
        Column(gettext_lazy("Training name"), 40),
        Column(gettext_lazy("Type"), 14),
        Column(gettext_lazy("Angkatan"), 12),
        Column(gettext_lazy("Start"), 11, "date"),
        Column(gettext_lazy("End"), 11, "date"),
        Column(gettext_lazy("Days"), 6, "number"),
        Column(gettext_lazy("Status"), 14),
        Column(gettext_lazy("Attendance (%)"), 11, "number", pdf_width=13),
        Column(gettext_lazy("Final score"), 10, "number", pdf_width=13),
        Column(gettext_lazy("Qualification"), 20),
        Column(gettext_lazy("Certificate number"), 24),
    ]

    def query(self):
        return self.cells(
            self.with_lifecycle(self.enrolments()).order_by(
                "participant__name", "participant_id", "program__start_date", "pk"
            ),
            [
                self.nip("participant__nip"),
                self.name("participant__"),
                self.text(F("program__title")),
                self.text(F("program__program_type__name")),
                F("program__angkatan"),
                F("program__class_name"),
                F("program__start_date"),
                F("program__end_date"),
                F("program__duration_days"),
                self.label("status", EnrolmentStatus.choices),
                *self.lifecycle_cells(),
            ],
        )

    def rows(self):
        for nip, name, training, kind, angkatan, class_name, *rest in super().rows():
            cohort = to_roman(angkatan) if angkatan else ""
            if class_name:
                cohort = f"{cohort} Kelas {class_name}".strip()
            yield [nip, name, training, kind, cohort, *rest]

    def totals(self, rows):
        return self.status_totals(rows, 8)


EXPORTERS = {
    ExportDataset.ROSTER: RosterExporter,
    ExportDataset.ENROLMENTS: EnrolmentsExporter,
    ExportDataset.INSTITUTIONS: InstitutionSummaryExporter,
    ExportDataset.HISTORY: HistoryExporter,
}


# PDF --------------------------------------------------------------------------------------------------

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_DIRS = [
    "/usr/share/fonts/truetype/dejavu",  # Debian and Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu",  # Fedora, Arch
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
]


def find_font(filename):
    """The path of a DejaVu TTF file: settings.PDF_FONT_DIR, the usual folders, then fontconfig."""
    folders = [getattr(settings, "PDF_FONT_DIR", None), *FONT_DIRS]
    for folder in filter(None, folders):
        path = Path(folder) / filename
        if path.is_file():
            return path
    for path in glob.glob(f"/usr/share/fonts/**/{filename}", recursive=True):
        return Path(path)
    if shutil.which("fc-match"):
        family = filename.removesuffix(".ttf").replace("DejaVuSans", "DejaVu Sans").replace("-", ":style=")
        found = subprocess.run(
            ["fc-match", "--format=%{file}", family], capture_output=True, text=True, check=False
        ).stdout
        if found.endswith(filename) and Path(found).is_file():
            return Path(found)
    raise PdfFontMissing(
        f"PDF exports need the DejaVu Sans font ({filename}) for names with accents and other "
        "non-Latin-1 letters. Install Debian's fonts-dejavu-core (apt-get install fonts-dejavu-core) "
        "or set PDF_FONT_DIR to a folder that holds DejaVuSans.ttf and DejaVuSans-Bold.ttf."
    )


@functools.cache
def register_fonts():
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(find_font("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(find_font("DejaVuSans-Bold.ttf"))))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    return FONT


def indonesian_date(value):
    with translation.override("id"):
        return date_format(value, "j F Y")


def render_pdf(exporter, header, rows):
    """A4 with the organiser or report in every page's header, the filters, the table, totals and
    'page N of M' in the footer. Dates are written in Indonesian whatever the user's language."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdf_canvas
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    register_fonts()
    pagesize = landscape(A4) if exporter.landscape else A4
    body = ParagraphStyle("body", fontName=FONT, fontSize=6.5, leading=8)
    bold = ParagraphStyle("bold", parent=body, fontName=FONT_BOLD)
    title = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=13, leading=16, spaceAfter=4)
    meta = ParagraphStyle("meta", fontName=FONT, fontSize=8, leading=10)

    def cell(value, style=body):
        if value is None:
            text = ""
        elif isinstance(value, datetime.date):
            text = indonesian_date(value)
        else:
            text = str(value)
        return Paragraph(escape(text), style)

    heading = exporter.heading()
    made = _("Made by %(who)s on %(date)s at %(time)s") % {
        "who": exporter.made_by(),
        "date": indonesian_date(timezone.localdate(exporter.made_at)),
        "time": timezone.localtime(exporter.made_at).strftime("%H:%M %Z"),
    }
    page_label = _("Page %(page)d of %(pages)d")

    class NumberedCanvas(pdf_canvas.Canvas):
        """Draws the page header and 'page N of M' once the page count is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total):
            width, height = pagesize
            self.setFont(FONT_BOLD, 9)
            self.drawString(15 * mm, height - 10 * mm, heading[0])
            self.setFont(FONT, 8)
            for offset, line in enumerate(heading[1:], start=1):
                self.drawString(15 * mm, height - 10 * mm - offset * 10, line)
            rule = height - 13 * mm - (len(heading) - 1) * 10
            self.line(15 * mm, rule, width - 15 * mm, rule)
            self.setFont(FONT, 7)
            self.drawString(15 * mm, 8 * mm, made)
            self.drawRightString(
                width - 15 * mm, 8 * mm, page_label % {"page": self._pageNumber, "pages": total}
            )

    buffer = io.BytesIO()
    top = 16 * mm + (len(heading) - 1) * 10
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=top,
        bottomMargin=14 * mm,
        title=str(exporter.title),
        author=exporter.made_by(),
    )
    story = [Paragraph(escape(str(exporter.title)), title)]
    if isinstance(exporter, RosterExporter):
        program = exporter.program
        story.append(
            Paragraph(
                escape(
                    f"{program.program_type.name} · {program.venue} · "
                    f"{indonesian_date(program.start_date)} – {indonesian_date(program.computed_end_date)} "
                    f"({program.duration_days} {_('days')})"
                ),
                meta,
            )
        )
    story.append(
        Paragraph(escape(f"{_('Filters')}: {'; '.join(exporter.filter_lines()) or _('none')}"), meta)
    )
    story.append(Spacer(0, 4 * mm))
    available = pagesize[0] - 30 * mm
    weights = [column.pdf_width or column.width for column in exporter.columns]
    widths = [max(available * weight / sum(weights), 22) for weight in weights]
    widths = [width * available / sum(widths) for width in widths]
    data = [[cell(label, bold) for label in header]] + [[cell(value) for value in row] for row in rows]
    if not rows:
        data.append([cell(_("No rows match these filters."))] + [""] * (len(header) - 1))
    table = LongTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE6F0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F5F7FA")]),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(0, 4 * mm))
    story.append(Paragraph(escape(_("Totals")), bold))
    for label, value in exporter.totals(rows):
        story.append(Paragraph(escape(f"{label}: {value}"), meta))
    document.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()
