"""The four datasets of the participant reports. Each query() reads the enrolments in the user's scope with
the filters (Exporter.enrolments()) and computes the final cells in the database; the lifecycle columns
(attendance, final score, qualification, certificate) come from EnrolmentResultQuerySet through
Exporter.with_lifecycle()."""

from django.db.models import Count, F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_cte import CTE, with_cte

from participants.models import ChangeProjectStage, EnrolmentStatus, Gender
from programs.models import InstitutionKind
from programs.roman import to_roman
from reports.exports import pdf
from reports.exports.base import Column, Exporter
from reports.models import ExportDataset

# The four columns of Exporter.lifecycle_cells(), as the enrolments and history datasets show them.
LIFECYCLE_COLUMNS = [
    Column(gettext_lazy("Attendance (%)"), 11, "number", pdf_width=13),
    Column(gettext_lazy("Final score"), 10, "number", pdf_width=13),
    Column(gettext_lazy("Qualification"), 20),
    Column(gettext_lazy("Certificate number"), 24),
]


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
        self.zone = program.zone
        self.base = self.base.filter(program=program)

    def heading(self):
        program = self.program
        return [
            program.organiser.name,
            " · ".join(part for part in (program.title, program.cohort_label) if part),
        ]

    def subtitle(self):
        program = self.program
        return (
            f"{program.program_type.name} · {program.venue} · "
            f"{pdf.indonesian_date(program.start_date)} – {pdf.indonesian_date(program.computed_end_date)} "
            f"({program.duration_days} {_('days')})"
        )

    def about(self):
        return [(_("Program"), self.program.title), *super().about()]

    def log_filters(self):
        return {"program": self.program.pk, **super().log_filters()}

    def filename(self, fmt):
        slug = slugify(self.program.title)[:60] or self.program.pk
        return f"roster-{slug}-{self.local_made_at():%Y%m%d-%H%M}.{fmt}"

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
        *LIFECYCLE_COLUMNS,
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
        # The institution's rate over the attendance of its enrolments in the file, by the rule of one
        # enrolment's rate (EnrolmentResultQuerySet.attendance_rates): a table with a row for every
        # institution of the file, computed once (as a subquery run once per institution it took a minute
        # at 100,000 enrolments).
        rates = CTE(self.enrolments().attendance_rates("participant__institution"), name="institution_rates")
        grouped = (
            with_cte(rates, select=rates.join(self.enrolments(), participant__institution=rates.col.key))
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
                cell_11=Max(rates.col.rate),  # the one rate of the group's institution
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
        *LIFECYCLE_COLUMNS,
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
