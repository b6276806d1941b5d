"""Data protection (UU 27/2022): the record of who saw whose personal data, a participant's own data
exported for them (Pasal 32), and the anonymisation of participants past the retention period."""

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.text import slugify

from lifecycle.documents import certificate_filename, program_jp, render_certificate_pdf
from lifecycle.models import (
    Attendance,
    AttendanceCorrection,
    Certificate,
    EvaluationScore,
    GraduationDecision,
    SeminarScore,
)
from participants.models import ChangeProject, Enrolment, Milestone, Participant

SUBJECT_EXPORT_VERSION = 1


# A participant's own data ---------------------------------------------------------------------------------


def _row(instance, **extra):
    """The stored values of a row: every concrete field by its column name (foreign keys as ids)."""
    values = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
    values.update(extra)
    return values


def _history(model, **lookup):
    """The history rows of `model` matching `lookup`, oldest first, with the author's username."""
    rows = (
        model.history.filter(**lookup).select_related("history_user").order_by("history_date", "history_id")
    )
    return [
        _row(
            row,
            history_user=row.history_user.get_username() if row.history_user else None,
            history_user_id=None,
        )
        for row in rows
    ]


def subject_data(participant):
    """Everything held about `participant`, as a dict of plain values (JSON-ready with DjangoJSONEncoder).

    Identity, enrolments with their program, change project with milestones and seminars (with scores),
    attendance with corrections, evaluation scores, graduation decisions, certificates, appointments,
    and every history row of these. No side effects.
    """
    enrolments = list(
        Enrolment.objects.filter(participant=participant)
        .select_related("program__program_type", "program__organiser")
        .order_by("program__start_date", "pk")
    )
    # The history also holds enrolments deleted since; their ids lead to their other history rows.
    enrolment_ids = {e.pk for e in enrolments} | set(
        Enrolment.history.filter(participant_id=participant.pk).values_list("id", flat=True)
    )
    projects = {p.enrolment_id: p for p in ChangeProject.objects.filter(enrolment_id__in=enrolment_ids)}
    project_ids = {p.pk for p in projects.values()} | set(
        ChangeProject.history.filter(enrolment_id__in=enrolment_ids).values_list("id", flat=True)
    )
    milestones = _group(Milestone.objects.filter(change_project_id__in=project_ids), "change_project_id")
    seminars = {}
    scores_of_seminar = _group(
        SeminarScore.objects.filter(seminar__change_project_id__in=project_ids).select_related(
            "aspect", "examiner"
        ),
        "seminar_id",
    )
    for project in projects.values():
        seminars[project.pk] = [
            _row(
                seminar,
                scores=[
                    _row(score, aspect=str(score.aspect), examiner=str(score.examiner))
                    for score in scores_of_seminar.get(seminar.pk, [])
                ],
            )
            for seminar in project.seminars.order_by("date", "pk")
        ]
    attendance = _group(
        Attendance.objects.filter(enrolment_id__in=enrolment_ids).select_related("session"), "enrolment_id"
    )
    attendance_ids = [row.pk for rows in attendance.values() for row in rows]
    corrections = _group(
        AttendanceCorrection.objects.filter(attendance_id__in=attendance_ids), "attendance_id"
    )
    scores = _group(
        EvaluationScore.objects.filter(enrolment_id__in=enrolment_ids).select_related("component"),
        "enrolment_id",
    )
    decisions = _group(GraduationDecision.objects.filter(enrolment_id__in=enrolment_ids), "enrolment_id")
    certificates = _group(Certificate.objects.filter(enrolment_id__in=enrolment_ids), "enrolment_id")

    def enrolment_data(enrolment):
        program = enrolment.program
        project = projects.get(enrolment.pk)
        return _row(
            enrolment,
            program={
                "id": program.pk,
                "title": program.title,
                "program_type": str(program.program_type),
                "organiser": str(program.organiser),
                "start_date": program.start_date,
                "end_date": program.computed_end_date,
            },
            change_project=None
            if project is None
            else _row(
                project,
                milestones=[_row(m) for m in milestones.get(project.pk, [])],
                seminars=seminars.get(project.pk, []),
            ),
            attendance=[
                _row(
                    row,
                    session=str(row.session),
                    corrections=[_row(c) for c in corrections.get(row.pk, [])],
                )
                for row in attendance.get(enrolment.pk, [])
            ],
            evaluation_scores=[_row(s, component=str(s.component)) for s in scores.get(enrolment.pk, [])],
            graduation_decisions=[_row(d) for d in decisions.get(enrolment.pk, [])],
            certificates=[
                _row(c, valid=c.is_valid, verification_path=c.get_verification_url())
                for c in certificates.get(enrolment.pk, [])
            ],
        )

    return {
        "format": "trainingtracker subject export",
        "version": SUBJECT_EXPORT_VERSION,
        "made_at": timezone.now(),
        "participant": _row(
            participant,
            full_name=participant.full_name,
            institution=str(participant.institution),
        ),
        "enrolments": [enrolment_data(enrolment) for enrolment in enrolments],
        "appointments": [_row(a) for a in participant.appointments.order_by("appointed_on", "pk")],
        "history": {
            "participant": _history(Participant, id=participant.pk),
            "enrolments": _history(Enrolment, id__in=enrolment_ids),
            "change_projects": _history(ChangeProject, id__in=project_ids),
            "milestones": _history(Milestone, change_project_id__in=project_ids),
            "attendance": _history(Attendance, enrolment_id__in=enrolment_ids),
            "attendance_corrections": _history(AttendanceCorrection, attendance_id__in=attendance_ids),
            "evaluation_scores": _history(EvaluationScore, enrolment_id__in=enrolment_ids),
            "graduation_decisions": _history(GraduationDecision, enrolment_id__in=enrolment_ids),
            "certificates": _history(Certificate, enrolment_id__in=enrolment_ids),
        },
    }


def _group(queryset, key):
    grouped = {}
    for row in queryset.order_by("pk"):
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


def subject_archive(participant, *, url_for):
    """A ZIP of `data.json` (subject_data) and the PDF of each of the participant's certificates.

    `url_for(certificate)` gives the absolute verification address printed on a PDF. No side effects.
    Raises PdfFontMissing (trainingtracker.files) when the certificates' PDFs cannot be made.
    """
    data = subject_data(participant)
    certificates = (
        Certificate.objects.filter(enrolment__participant=participant)
        .select_related(
            "enrolment__participant__institution",
            "enrolment__program__program_type",
            "enrolment__program__organiser",
        )
        .order_by("pk")
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for certificate in certificates:
            pdf = render_certificate_pdf(
                certificate,
                verification_url=url_for(certificate),
                jp=program_jp(certificate.enrolment.program),
            )
            archive.writestr(f"certificates/{certificate_filename(certificate)}", pdf)
    return buffer.getvalue()


def subject_archive_name(participant):
    name = slugify(participant.name) or "participant"
    return f"data-{name}-{participant.pk}.zip"
