"""Synthetic lifecycle data for a demo cohort: schedule, attendance, seminars, scores, graduation decisions,
certificates and a few alumni appointments, consistent with the enrolment statuses that demo.py set.

Run after fill_with_demo_participants. Idempotent: each step adds only what is missing, and the same seed
gives the same data. Only demo participants get attendance, scores, seminars and appointments; the
records hang off them, so they are as clearly demo as the participants (flagged is_demo).
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lifecycle.models import (
    Appointment,
    Attendance,
    AttendanceStatus,
    Certificate,
    CertificateCounter,
    EvaluationScore,
    GraduationDecision,
    Seminar,
    SeminarDecision,
    SeminarScore,
)
from lifecycle.services import decide_graduation, issue_certificates, reissue_certificate
from participants.models import (
    ChangeProject,
    ChangeProjectStage,
    Enrolment,
    EnrolmentStatus,
    Horizon,
    Milestone,
)
from programs.dataversion import bump_data_version
from programs.models import (
    Agenda,
    EvaluationComponent,
    LearningMode,
    Person,
    PositionLevel,
    Program,
    RoleKind,
    SeminarAspect,
    SeminarKind,
    Session,
    Subject,
    rules_of,
)

MORNING = (datetime.time(8, 0), datetime.time(11, 45), 5)
AFTERNOON = (datetime.time(13, 0), datetime.time(16, 0), 4)
FULL_DAY = (datetime.time(8, 0), datetime.time(16, 0), 8)
SHORT = (datetime.time(9, 0), datetime.time(10, 30), 2)

# Share of the program's days each phase ends at (PKN II: on campus, e-learning, design seminars,
# visits, work-place implementation, results seminars and closing).
PHASES = [
    (0.11, "campus"),
    (0.37, "elearning"),
    (0.44, "design_week"),
    (0.53, "visits"),
    (0.92, "workplace"),
    (1.00, "results_week"),
]

# (absent, excused, late) probabilities per outcome: who passed attended nearly everything.
ATTENDANCE_PROFILE = {
    EnrolmentStatus.PASSED: (0.01, 0.015, 0.05),
    EnrolmentStatus.PASSED_DEFERRED: (0.03, 0.03, 0.06),
    EnrolmentStatus.FAILED: (0.08, 0.04, 0.08),
    EnrolmentStatus.DID_NOT_FINISH: (0.05, 0.05, 0.05),
}
# Score ranges per outcome; None leaves the component without a score (the result is not complete).
SCORE_RANGE = {
    EnrolmentStatus.PASSED: (80, 96),
    EnrolmentStatus.PASSED_DEFERRED: (74, 84),
    EnrolmentStatus.FAILED: (55, 68),
    EnrolmentStatus.DID_NOT_FINISH: (60, 72),
}
# Demo participants who passed meet the graduation rules once the program is held (the demo tests check
# that none needed an override); a program filled before it is held has no attendance yet, so its sample
# decisions are recorded as overrides of the rules, with this reason.
DEMO_OVERRIDE_REASON = "Data sintetis: keputusan contoh sebelum pelatihan selesai."
# Days after the end date of the alumni appointments the demo records (those not after today).
APPOINTMENT_OFFSETS = [48, 95, 130, 200, 290, 350, 420, 560]


def _rng(seed, program, step):
    return random.Random(f"{seed}-{program.pk}-{step}")


def _phase(program, day):
    share = ((day - program.start_date).days + 1) / program.duration_days
    for limit, name in PHASES:
        if share <= limit:
            return name
    return PHASES[-1][1]


def _days(program, phase):
    return [
        program.start_date + datetime.timedelta(days=offset)
        for offset in range(program.duration_days)
        if _phase(program, program.start_date + datetime.timedelta(days=offset)) == phase
        and (program.start_date + datetime.timedelta(days=offset)).weekday() < 5
    ]


def _sessions(program, rng):
    """The demo schedule: a list of unsaved Sessions."""
    agendas = {a.number: a for a in Agenda.objects.filter(program_type=program.program_type)}
    subjects = {s.name: s for s in Subject.objects.filter(agenda__program_type=program.program_type)}
    people = list(
        Person.objects.filter(roles__program=program, roles__role__in=[RoleKind.COACH, RoleKind.EXAMINER])
        .distinct()
        .order_by("pk")
    )

    def make(day, slot, *, mode, agenda=None, subject=None, title=""):
        start, end, jp = slot
        subject_row = subjects.get(subject) if subject else None
        return Session(
            program=program,
            date=day,
            start_time=start,
            end_time=end,
            jp=jp,
            mode=mode,
            agenda=subject_row.agenda if subject_row else agendas.get(agenda),
            subject=subject_row,
            title=title if (title or subject_row) else subject or "",
            facilitator=rng.choice(people) if people else None,
            place=program.venue if mode == LearningMode.CLASSICAL else "",
            is_demo=True,
        )

    campus_topics = {
        1: ["Integritas dan etika kepemimpinan", "Pengembangan diri pemimpin", "Kesehatan dan kebugaran"],
        2: ["Kepemimpinan strategis di sektor publik", "Berpikir sistem", "Membangun kolaborasi", "Inovasi"],
    }
    elearning_topics = [
        "Manajemen strategis sektor publik",
        "Manajemen kinerja organisasi",
        "Manajemen risiko",
        "Tata kelola data dan digital",
        "Penganggaran berbasis kinerja",
    ]
    sessions, first_day, last_day = [], program.start_date, program.computed_end_date
    for index, day in enumerate(_days(program, "campus")):
        slots = (MORNING, AFTERNOON)
        if day == first_day:  # the opening takes the first morning: sessions of a program never overlap
            sessions.append(make(day, SHORT, mode=LearningMode.CLASSICAL, title="Pembukaan pelatihan"))
            slots = (AFTERNOON,)
        agenda = 1 if index % 2 == 0 else 2
        for slot in slots:
            sessions.append(
                make(
                    day,
                    slot,
                    mode=LearningMode.CLASSICAL,
                    agenda=agenda,
                    title=rng.choice(campus_topics[agenda]),
                )
            )
    for day in _days(program, "elearning"):
        sessions.append(
            make(
                day,
                (datetime.time(9, 0), datetime.time(12, 0), 4),
                mode=LearningMode.NON_CLASSICAL,
                agenda=3,
                title=f"E-learning: {rng.choice(elearning_topics)}",
            )
        )
    for day in _days(program, "design_week"):
        sessions.append(
            make(
                day,
                MORNING,
                mode=LearningMode.CLASSICAL,
                subject="Proyek Perubahan",
                title="Seminar rancangan",
            )
        )
        sessions.append(make(day, AFTERNOON, mode=LearningMode.CLASSICAL, subject="Policy Brief"))
    visits = _days(program, "visits")
    for index, day in enumerate(visits):
        subject = "Visitasi" if index < len(visits) / 2 else "Visitasi Kepemimpinan Nasional"
        sessions.append(make(day, FULL_DAY, mode=LearningMode.CLASSICAL, subject=subject))
    for day in _days(program, "workplace"):
        if day.weekday() == 2:
            sessions.append(
                make(
                    day,
                    SHORT,
                    mode=LearningMode.NON_CLASSICAL,
                    subject="Proyek Perubahan",
                    title="Coaching implementasi di tempat kerja",
                )
            )
    for day in _days(program, "results_week"):
        sessions.append(
            make(day, MORNING, mode=LearningMode.CLASSICAL, subject="Proyek Perubahan", title="Seminar hasil")
        )
        if day != last_day:
            sessions.append(
                make(day, AFTERNOON, mode=LearningMode.CLASSICAL, subject="Policy Brief", title="Presentasi")
            )
    if last_day.weekday() < 5:
        sessions.append(make(last_day, AFTERNOON, mode=LearningMode.CLASSICAL, title="Penutupan pelatihan"))
    return sessions


def _fill_sessions(program, seed):
    if Session.objects.filter(program=program).exists():
        return 0  # the program has a schedule already: demo sessions would only confuse it
    sessions = _sessions(program, _rng(seed, program, "sessions"))
    for session in sessions:
        session.full_clean()
    Session.objects.bulk_create(sessions)
    return len(sessions)


def _fill_attendance(program, enrolments, seed, today):
    rng = _rng(seed, program, "attendance")
    rules = rules_of(program.program_type)
    sessions = list(
        Session.objects.filter(program=program, date__lte=today).order_by("date", "start_time", "pk")
    )
    done = set(Attendance.objects.filter(session__program=program).values_list("session_id", "enrolment_id"))
    rows = []
    for enrolment in enrolments:
        absent, excused, late = ATTENDANCE_PROFILE.get(enrolment.status, (0.02, 0.02, 0.05))
        # Who did not finish stopped coming at some point; the rest must meet the minimum when they passed.
        stop = (
            len(sessions) * rng.uniform(0.3, 0.5)
            if enrolment.status == EnrolmentStatus.DID_NOT_FINISH
            else None
        )
        statuses = []
        for index, _session in enumerate(sessions):
            roll = rng.random()
            if (stop is not None and index >= stop) or roll < absent:
                statuses.append((AttendanceStatus.ABSENT, ""))
            elif roll < absent + excused:
                statuses.append(
                    (AttendanceStatus.EXCUSED, rng.choice(["Sakit (surat dokter)", "Tugas dinas mendesak"]))
                )
            elif roll < absent + excused + late:
                statuses.append((AttendanceStatus.LATE, ""))
            else:
                statuses.append((AttendanceStatus.PRESENT, ""))
        if enrolment.status in (EnrolmentStatus.PASSED, EnrolmentStatus.PASSED_DEFERRED) and sessions:
            # The graduation rule weighs sessions by JP (a full day counts more than a short session): missed
            # sessions become attended, in order, until the JP attended are 2 points above the minimum.
            missed = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)
            needed = sum(session.jp for session in sessions) * (rules.minimum_attendance + 2) / 100
            attended = sum(
                session.jp
                for session, (status, _reason) in zip(sessions, statuses, strict=True)
                if status not in missed
            )
            for i, (status, _reason) in enumerate(statuses):
                if attended >= needed:
                    break
                if status in missed:
                    statuses[i] = (AttendanceStatus.PRESENT, "")
                    attended += sessions[i].jp
        for session, (status, reason) in zip(sessions, statuses, strict=True):
            if (session.pk, enrolment.pk) not in done:
                rows.append(
                    Attendance(
                        session=session,
                        enrolment=enrolment,
                        status=status,
                        reason=reason,
                        recorded_at=timezone.make_aware(
                            datetime.datetime.combine(session.date, session.start_time or datetime.time(12))
                        ),
                    )
                )
    Attendance.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _seminar_plan(project):
    """[(kind, decision)] for the project's stage: the design seminar from stage 2, results from stage 4."""
    number = project.stage_number
    plan = []
    if number >= 2:
        plan.append((SeminarKind.DESIGN, SeminarDecision.ACCEPTED if number >= 3 else SeminarDecision.REVISE))
    if number >= 4:
        plan.append((SeminarKind.RESULTS, SeminarDecision.ACCEPTED))
    return plan


def _fill_seminars(program, enrolments, seed):
    rng = _rng(seed, program, "seminars")
    aspects = {
        kind: list(
            SeminarAspect.objects.filter(program_type=program.program_type, kind=kind).order_by("order")
        )
        for kind in SeminarKind.values
    }
    days = {
        SeminarKind.DESIGN: _days(program, "design_week") or [program.start_date],
        SeminarKind.RESULTS: _days(program, "results_week") or [program.computed_end_date],
    }
    projects = (
        ChangeProject.objects.filter(enrolment__in=enrolments)
        .select_related("enrolment")
        .prefetch_related("examiners")
        .order_by("pk")
    )
    existing = set(
        Seminar.objects.filter(change_project__in=projects).values_list("change_project_id", "kind")
    )
    created = 0
    for index, project in enumerate(projects):
        low, high = SCORE_RANGE.get(project.enrolment.status, (70, 85))
        for kind, decision in _seminar_plan(project):
            if (project.pk, kind) in existing:
                continue
            seminar = Seminar.objects.create(
                change_project=project,
                kind=kind,
                date=days[kind][index % len(days[kind])],
                mentor_present=rng.random() < 0.85,
                coach_present=True,
                decision=decision,
                notes="Catatan sintetis: perkuat data dasar dan peta pemangku kepentingan."
                if decision == SeminarDecision.REVISE
                else "",
            )
            panel = list(project.examiners.all())
            seminar.examiners.set(panel)
            SeminarScore.objects.bulk_create(
                SeminarScore(
                    seminar=seminar,
                    examiner=examiner,
                    aspect=aspect,
                    score=Decimal(rng.randint(low * 100, high * 100)) / 100,
                )
                for examiner in panel
                for aspect in aspects[kind]
            )
            created += 1
    return created


def _fill_scores(program, enrolments, seed):
    rng = _rng(seed, program, "scores")
    components = list(EvaluationComponent.objects.filter(program_type=program.program_type).order_by("order"))
    scored = set(
        EvaluationScore.objects.filter(enrolment__in=enrolments).values_list("enrolment_id", "component_id")
    )
    rows = []
    for enrolment in enrolments:
        if enrolment.status not in SCORE_RANGE:
            continue
        low, high = SCORE_RANGE[enrolment.status]
        for position, component in enumerate(components):
            last = position == len(components) - 1
            if enrolment.status == EnrolmentStatus.PASSED_DEFERRED and last:
                continue  # the change project's score waits for the results seminar
            if enrolment.status == EnrolmentStatus.DID_NOT_FINISH and position >= 2:
                continue
            value = Decimal(rng.randint(low * 100, high * 100)) / 100
            if (enrolment.pk, component.pk) not in scored:
                rows.append(EvaluationScore(enrolment=enrolment, component=component, score=value))
    EvaluationScore.objects.bulk_create(rows)
    return len(rows)


def _fill_decisions(program, enrolments):
    decided = set(
        Enrolment.objects.filter(
            pk__in=[e.pk for e in enrolments], graduation_decisions__isnull=False
        ).values_list("pk", flat=True)
    )
    end = timezone.make_aware(datetime.datetime.combine(program.computed_end_date, datetime.time(14, 0)))
    made = 0
    # Two participants at the results-seminar stage first had their graduation deferred: a history to show.
    deferred_first = [
        e.pk
        for e in enrolments
        if e.status == EnrolmentStatus.PASSED
        and getattr(e, "change_project", None)
        and e.change_project.stage == ChangeProjectStage.RESULTS_SEMINAR
    ][:2]
    for enrolment in enrolments:
        if enrolment.pk in decided or enrolment.status not in SCORE_RANGE:
            continue
        outcome = enrolment.status
        if enrolment.pk in deferred_first:
            first = decide_graduation(
                enrolment=enrolment,
                outcome=EnrolmentStatus.PASSED_DEFERRED,
                decided_by=None,
                note="Seminar hasil perlu dilengkapi.",
            )
            type(first).objects.filter(pk=first.pk).update(decided_at=end)
            later = decide_graduation(
                enrolment=enrolment,
                outcome=outcome,
                decided_by=None,
                note="Perbaikan seminar hasil diterima.",
                override=True,
                override_reason=DEMO_OVERRIDE_REASON,
            )
            type(later).objects.filter(pk=later.pk).update(decided_at=end + datetime.timedelta(days=21))
        else:
            decision = decide_graduation(
                enrolment=enrolment,
                outcome=outcome,
                decided_by=None,
                override=True,
                override_reason=DEMO_OVERRIDE_REASON,
            )
            type(decision).objects.filter(pk=decision.pk).update(decided_at=end)
        made += 1
    return made


def _fill_certificates(program, enrolments):
    issued = issue_certificates(
        enrolments=Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]),
        issued_by=None,
        issued_on=program.computed_end_date,
    )
    program_certificates = Certificate.objects.filter(enrolment__program=program)
    if issued and not program_certificates.exclude(replaces=None).exists():
        # One reissue so that the register shows a revoked number and its replacement.
        reissue_certificate(
            certificate=program_certificates.valid().order_by("sequence").last(),
            reason="Perbaikan penulisan gelar (data sintetis)",
            issued_by=None,
            issued_on=program.computed_end_date + datetime.timedelta(days=14),
        )
    return len(issued)


def _fill_appointments(program, enrolments, seed, today):
    rng = _rng(seed, program, "appointments")
    rules = rules_of(program.program_type)
    level = rules.target_position_level or PositionLevel.JPT_PRATAMA
    passed = [e for e in enrolments if e.status == EnrolmentStatus.PASSED]
    chosen = rng.sample(passed, min(len(passed), len(APPOINTMENT_OFFSETS) + 1))
    have = set(
        Appointment.objects.filter(participant__in=[e.participant_id for e in chosen]).values_list(
            "participant_id", flat=True
        )
    )
    made = 0
    for index, enrolment in enumerate(chosen):
        participant = enrolment.participant
        if participant.pk in have:
            continue
        if index < len(APPOINTMENT_OFFSETS):
            day = program.computed_end_date + datetime.timedelta(days=APPOINTMENT_OFFSETS[index])
            position = rng.choice(["Kepala Dinas", "Kepala Badan", "Kepala Biro", "Direktur"])
            appointment_level = level
        else:  # a move within the same level, which does not count as reaching the target position
            day = program.computed_end_date + datetime.timedelta(days=60)
            position, appointment_level = "Sekretaris Dinas", PositionLevel.ADMINISTRATOR
        if day > today:
            continue
        Appointment.objects.create(
            participant=participant,
            position=f"{position} (data sintetis)",
            position_level=appointment_level,
            institution=participant.institution,
            appointed_on=day,
        )
        made += 1
    return made


def _finish_continuing_milestones(enrolments):
    """Projects that continue after training have their medium-term milestones done."""
    return Milestone.objects.filter(
        change_project__enrolment__in=enrolments,
        change_project__stage=ChangeProjectStage.CONTINUING,
        horizon=Horizon.MEDIUM,
        done_on=None,
    ).update(done_on=F("planned_end"))


@transaction.atomic
def fill_lifecycle_demo(program: Program, *, seed: int, today=None):
    """Give the program's demo participants a whole training lifecycle.

    Side effects (each only where missing): Sessions across the program's days; Attendance of every demo
    enrolment at every session held by today; design and results Seminars with panel scores as far as
    each change project's stage went; EvaluationScores; GraduationDecisions matching the enrolment
    statuses (two with an earlier deferred decision); Certificates for those who passed (one reissued);
    Appointments of a few alumni; medium-term milestones of continuing projects marked done.
    Returns a dict of how many rows each step added.
    """
    today = today or timezone.localdate()
    enrolments = list(
        Enrolment.objects.filter(program=program, participant__is_demo=True)
        .select_related("participant", "change_project")
        .order_by("participant__name", "pk")
    )
    added = {"sessions": _fill_sessions(program, seed)}
    added["attendance"] = _fill_attendance(program, enrolments, seed, today)
    added["seminars"] = _fill_seminars(program, enrolments, seed)
    added["scores"] = _fill_scores(program, enrolments, seed)
    added["decisions"] = _fill_decisions(program, enrolments)
    added["certificates"] = _fill_certificates(program, enrolments)
    added["appointments"] = _fill_appointments(program, enrolments, seed, today)
    added["milestones"] = _finish_continuing_milestones(enrolments)
    if any(added.values()):
        bump_data_version()  # the bulk writes above send no signals
    return added


@transaction.atomic
def clear_lifecycle_demo(program: Program):
    """Remove what fill_lifecycle_demo adds for the program's demo participants, so that they can be deleted.

    Certificates protect their enrolment (a register keeps its numbers), so demo participants cannot be
    deleted while theirs exist. Side effects: deletes the demo enrolments' certificates, attendance,
    scores, decisions and seminars, the demo participants' appointments and the program's demo sessions, and
    sets the organiser's counter back to the highest number still in use.
    """
    demo = Enrolment.objects.filter(program=program, participant__is_demo=True)
    certificates = Certificate.objects.filter(enrolment__in=demo)
    certificates.update(replaces=None)
    certificates.delete()
    Seminar.objects.filter(change_project__enrolment__in=demo).delete()
    for model in (Attendance, EvaluationScore, GraduationDecision):
        model.objects.filter(enrolment__in=demo).delete()
    Appointment.objects.filter(participant__enrolments__in=demo).delete()
    Session.objects.filter(program=program, is_demo=True).exclude(attendance__isnull=False).delete()
    last = (
        Certificate.objects.filter(organiser=program.organiser, year=program.year)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    CertificateCounter.objects.filter(organiser=program.organiser, year=program.year).update(
        last_number=last or 0
    )
    bump_data_version()
