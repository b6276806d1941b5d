"""A synthetic national data set for benchmarks and load tests: manage.py generate_national_data.

Everything it writes is flagged is_demo where the model has the flag, and every name says it is
synthetic. The same --seed on an empty database gives the same data. Rows are written with
bulk_create in batches (model save() is skipped; the capacity rule holds by construction: no
program gets more enrolments than seats).
"""

import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demo.factories import make_nip
from lifecycle.models import Attendance, AttendanceStatus
from participants.models import (
    ChangeProject,
    ChangeProjectStage,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Horizon,
    Milestone,
    Participant,
    Rank,
)
from programs.dataversion import bump_data_version
from programs.models import (
    PROVINCES,
    Agenda,
    Institution,
    InstitutionKind,
    LearningMode,
    Person,
    PositionLevel,
    Program,
    ProgramType,
    Session,
    time_zone_of_province,
)

FIRST_NAMES = [
    "Agus", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gilang", "Hendra", "Indah", "Joko", "Kartika", "Lestari",
    "Made", "Nur", "Oktavia", "Putu", "Rizki", "Sari", "Teguh", "Umar", "Wahyu", "Yuliana", "Zainal", "Ayu",
]  # fmt: skip
LAST_NAMES = [
    "Pratama", "Saputra", "Wijaya", "Hidayat", "Siregar", "Nasution", "Lubis", "Harahap", "Simanjuntak",
    "Kusuma", "Santoso", "Wibowo", "Gunawan", "Setiawan", "Nugroho", "Rahmawati", "Purnamasari", "Halim",
]  # fmt: skip
KINDS = [
    InstitutionKind.REGENCY,
    InstitutionKind.REGENCY,
    InstitutionKind.CITY,
    InstitutionKind.PROVINCE,
    InstitutionKind.MINISTRY,
    InstitutionKind.NON_MINISTERIAL,
    InstitutionKind.OTHER,
]
TYPE_SHARE = {"pkn-1": 1, "pkn-2": 3, "pka": 8, "pkp": 12}


class Command(BaseCommand):
    help = (
        "Generate a synthetic national data set (default 1,000 programs, 100,000 enrolments, 2,000 "
        "institutions) of all four program types across organisers and the years 2016-2026, with change "
        "projects, milestones, sessions (agenda and subject of the type) and the attendance of every held "
        "session. Repeatable with --seed on an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--programs", type=int, default=1000)
        parser.add_argument("--enrolments", type=int, default=100_000)
        parser.add_argument("--institutions", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--milestones", type=int, default=2, help="milestones per change project")
        parser.add_argument(
            "--sessions",
            type=int,
            default=4,
            help="sessions per program; every enrolment gets an attendance row for each held session",
        )

    def handle(
        self, *args, programs, enrolments, institutions, seed, batch_size, milestones, sessions, **options
    ):
        if min(programs, institutions) < 1 or min(enrolments, sessions, milestones) < 0:
            raise CommandError(
                "--programs and --institutions must be at least 1; --enrolments, --sessions and "
                "--milestones at least 0."
            )
        types = {t.code: t for t in ProgramType.objects.filter(code__in=TYPE_SHARE)}
        if len(types) != len(TYPE_SHARE):
            raise CommandError("The four program types are missing; run migrate first.")
        tag = f"Sintetis {seed}"
        if Institution.objects.filter(name__startswith=f"Instansi {tag} ").exists():
            raise CommandError(
                f"Data for seed {seed} already exists; use another --seed or an empty database."
            )
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.started = time.monotonic()
        with transaction.atomic():
            made_institutions, organisers = self._institutions(institutions, tag)
            coaches = self._people(tag, organisers)
            made_programs = self._programs(programs, enrolments, types, organisers, tag)
            self.held = self._sessions(made_programs, sessions, coaches)
            self.attendance = 0
            self._enrolments(enrolments, made_programs, made_institutions, coaches, milestones)
            bump_data_version()  # bulk writes send no signals: the cached pages must see the new data
        self.say(f"{self.attendance:,} attendance rows of {Session.objects.count():,} sessions in all")
        self.say(f"Done: {programs:,} programs, {enrolments:,} enrolments, {institutions:,} institutions.")

    def say(self, message):
        self.stdout.write(f"[{time.monotonic() - self.started:6.1f} s] {message}")
        self.stdout.flush()

    def _institutions(self, count, tag):
        rng = self.rng
        rows = []
        for number in range(1, count + 1):
            kind = rng.choice(KINDS)
            province = (
                ""
                if kind in InstitutionKind.central() or kind == InstitutionKind.OTHER
                else rng.choice(PROVINCES)
            )
            rows.append(
                Institution(name=f"Instansi {tag} {number:05d}", kind=kind, province=province, is_demo=True)
            )
        made = Institution.objects.bulk_create(rows, batch_size=self.batch_size)
        # Organisers: the LAN-like national body and one BPSDM per province (accredited bodies).
        # Each with a code for its certificate numbers (unique per seed: DEMO-<seed>-<n>).
        seed = tag.rsplit(" ", 1)[-1]
        organisers = Institution.objects.bulk_create(
            [
                Institution(
                    name=f"LAN {tag}",
                    code=f"DEMO-{seed}-LAN",
                    kind=InstitutionKind.NON_MINISTERIAL,
                    is_demo=True,
                )
            ]
            + [
                Institution(
                    name=f"BPSDM {tag} Provinsi {p}",
                    code=f"DEMO-{seed}-P{number:02d}",
                    kind=InstitutionKind.PROVINCE,
                    province=p,
                    is_demo=True,
                )
                for number, p in enumerate(PROVINCES, start=1)
            ]
        )
        self.say(f"{len(made):,} institutions and {len(organisers)} organisers")
        return made, organisers

    def _people(self, tag, organisers):
        rng = self.rng
        people = [
            Person(
                front_title=rng.choice(["", "Dr."]),
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} ({tag})",
                back_title="M.Si.",
                position="Widyaiswara Ahli Utama",
                institution=rng.choice(organisers),
                is_demo=True,
            )
            for _ in range(300)
        ]
        made = Person.objects.bulk_create(people, batch_size=self.batch_size)
        self.say(f"{len(made)} coaches")
        return made

    def _programs(self, count, enrolments, types, organisers, tag):
        rng = self.rng
        codes = [code for code, share in TYPE_SHARE.items() for _ in range(share)]
        mean = max(enrolments / count, 1)
        angkatan = {}
        rows = []
        for number in range(count):
            # Every type appears even in a small set; then by their real frequency.
            code = list(TYPE_SHARE)[number] if number < len(TYPE_SHARE) else rng.choice(codes)
            # PKN I is LAN's alone (PP 11/2017 Pasal 217).
            organiser = organisers[0] if code == "pkn-1" else rng.choice(organisers)
            year = 2016 + number % 11
            key = (code, organiser.pk, year)
            angkatan[key] = angkatan.get(key, 0) + 1
            start = datetime.date(year, rng.randint(1, 10), rng.randint(1, 28))
            kind = types[code]
            rows.append(
                Program(
                    program_type=kind,
                    year=year,
                    angkatan=angkatan[key],
                    title=f"{kind.abbreviation} Angkatan {angkatan[key]} {year} {organiser.name}",
                    organiser=organiser,
                    venue=organiser.province or "Jakarta",
                    time_zone=time_zone_of_province(organiser.province),  # bulk_create skips save()
                    start_date=start,
                    duration_days={"pkn-1": 120, "pkn-2": 107, "pka": 105, "pkp": 90}[code],
                    capacity=min(int(mean * rng.uniform(1.1, 1.5)) + 1, 32000),
                )
            )
        made = Program.objects.bulk_create(rows, batch_size=self.batch_size)
        self.say(f"{len(made):,} programs")
        return made

    def _sessions(self, programs, per_program, facilitators):
        """per_program sessions of each program, spread over its days, each on an agenda and subject of
        its type; returns {program id: [ids of the sessions held by today]}."""
        rng = self.rng
        today = timezone.localdate()
        curriculum = {}
        for agenda in Agenda.objects.prefetch_related("subjects").order_by("program_type", "number"):
            curriculum.setdefault(agenda.program_type_id, []).append((agenda, list(agenda.subjects.all())))
        rows = []
        # Every session runs 08:00-11:30, so a facilitator takes at most one a day (Session.clean refuses
        # a facilitator in two sessions at once).
        busy = set()
        for program in programs:
            agendas = curriculum.get(program.program_type_id, [])
            days = sorted(rng.sample(range(program.duration_days), min(per_program, program.duration_days)))
            for number, day in enumerate(days, start=1):
                agenda, subjects = rng.choice(agendas) if agendas else (None, [])
                subject = rng.choice(subjects) if subjects else None
                date = program.start_date + datetime.timedelta(days=day)
                facilitator = rng.choice(facilitators)
                if (facilitator.pk, date) in busy:
                    facilitator = next((p for p in facilitators if (p.pk, date) not in busy), None)
                if facilitator is not None:
                    busy.add((facilitator.pk, date))
                rows.append(
                    Session(
                        program=program,
                        date=date,
                        start_time=datetime.time(8, 0),
                        end_time=datetime.time(11, 30),
                        agenda=agenda,
                        subject=subject,
                        title="" if subject else f"Sesi sintetis {number}",
                        jp=4,
                        mode=rng.choice(
                            [LearningMode.CLASSICAL, LearningMode.CLASSICAL, LearningMode.NON_CLASSICAL]
                        ),
                        facilitator=facilitator,
                        place=program.venue,
                        is_demo=True,
                    )
                )
        made = Session.objects.bulk_create(rows, batch_size=self.batch_size)
        held = {}
        for session in made:
            if session.date <= today:
                held.setdefault(session.program_id, []).append(session.pk)
        self.say(f"{len(made):,} sessions ({sum(map(len, held.values())):,} held by today)")
        return held

    def _attendance(self, enrolments):
        rng = self.rng
        statuses = [AttendanceStatus.PRESENT] * 16 + [AttendanceStatus.LATE] * 2 + [AttendanceStatus.ABSENT]
        rows = []
        for enrolment in enrolments:
            for session in self.held.get(enrolment.program_id, ()):
                if rng.random() < 0.03:
                    rows.append(
                        Attendance(
                            session_id=session,
                            enrolment=enrolment,
                            status=AttendanceStatus.EXCUSED,
                            reason="Tugas kedinasan (sintetis)",
                        )
                    )
                else:
                    rows.append(
                        Attendance(session_id=session, enrolment=enrolment, status=rng.choice(statuses))
                    )
        Attendance.objects.bulk_create(rows, batch_size=self.batch_size)
        self.attendance += len(rows)

    def _quota(self, enrolments, programs):
        """How many enrolments each program gets: proportional to its seats, never above them."""
        seats = sum(p.capacity for p in programs)
        if enrolments > seats:
            raise CommandError(f"{enrolments:,} enrolments do not fit in {seats:,} seats.")
        quota = [min(p.capacity, int(enrolments * p.capacity / seats)) for p in programs]
        index = 0
        while sum(quota) < enrolments:
            if quota[index % len(programs)] < programs[index % len(programs)].capacity:
                quota[index % len(programs)] += 1
            index += 1
        return quota

    def _status(self, program, today):
        rng = self.rng
        end = program.start_date + datetime.timedelta(days=program.duration_days - 1)
        if program.start_date > today:
            return rng.choice(
                [EnrolmentStatus.NOMINATED, EnrolmentStatus.REGISTERED, EnrolmentStatus.REGISTERED]
            )
        if end >= today:
            return EnrolmentStatus.ACTIVE
        roll = rng.random()
        if roll < 0.86:
            return EnrolmentStatus.PASSED
        if roll < 0.90:
            return EnrolmentStatus.PASSED_DEFERRED
        if roll < 0.94:
            return EnrolmentStatus.FAILED
        if roll < 0.97:
            return EnrolmentStatus.WITHDRAWN
        return EnrolmentStatus.DID_NOT_FINISH

    def _participant(self, number, institutions, used):
        rng = self.rng
        gender = Gender.MALE if rng.random() < 0.6 else Gender.FEMALE
        while True:
            birth = datetime.date(rng.randint(1964, 1992), rng.randint(1, 12), rng.randint(1, 28))
            nip = make_nip(
                birth_date=birth,
                tmt_year=birth.year + rng.randint(22, 30),
                tmt_month=rng.randint(1, 12),
                gender=gender,
                sequence=rng.randint(1, 999),
            )
            if nip not in used:
                used.add(nip)
                break
        return Participant(
            nip=nip,
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {number}",
            back_title=rng.choice(["S.T., M.T.", "S.H., M.H.", "S.E., M.Si.", "S.Sos., M.AP."]),
            gender=gender,
            birth_date=birth,
            rank=rng.choice([Rank.III_D, Rank.IV_A, Rank.IV_B, Rank.IV_C]),
            position=rng.choice(
                ["Kepala Bidang", "Kepala Bagian", "Kepala Dinas", "Camat", "Sekretaris Dinas"]
            ),
            position_level=rng.choice(
                [PositionLevel.ADMINISTRATOR, PositionLevel.PENGAWAS, PositionLevel.JPT_PRATAMA]
            ),
            institution=rng.choice(institutions),
            email=f"peserta{number}@sintetis.example",
            is_demo=True,
        )

    def _enrolments(self, total, programs, institutions, coaches, milestones):
        rng = self.rng
        today = timezone.localdate()
        slots = [
            program
            for program, quota in zip(programs, self._quota(total, programs), strict=True)
            for _ in range(quota)
        ]
        rng.shuffle(slots)
        # About one participant in five took two trainings (a PKP then a PKA, say).
        people = max(int(total * 0.8), 1) if total else 0
        used_nips = set(Participant.objects.exclude(nip=None).values_list("nip", flat=True))
        participants = []
        for start in range(0, people, self.batch_size):
            batch = [
                self._participant(n, institutions, used_nips)
                for n in range(start, min(start + self.batch_size, people))
            ]
            participants.extend(Participant.objects.bulk_create(batch, batch_size=self.batch_size))
            self.say(f"{len(participants):,} of {people:,} participants")
        taken = set()
        done = 0
        for start in range(0, total, self.batch_size):
            batch = []
            for index in range(start, min(start + self.batch_size, total)):
                program = slots[index]
                participant = participants[index] if index < people else rng.choice(participants)
                while (participant.pk, program.pk) in taken:
                    participant = rng.choice(participants)
                taken.add((participant.pk, program.pk))
                batch.append(
                    Enrolment(participant=participant, program=program, status=self._status(program, today))
                )
            made = Enrolment.objects.bulk_create(batch, batch_size=self.batch_size)
            projects = ChangeProject.objects.bulk_create(
                [
                    ChangeProject(
                        enrolment=enrolment,
                        title=f"Proyek perubahan sintetis {enrolment.pk}",
                        stage=rng.choice(ChangeProjectStage.values),
                        coach=rng.choice(coaches),
                    )
                    for enrolment in made
                ],
                batch_size=self.batch_size,
            )
            Milestone.objects.bulk_create(
                [
                    Milestone(
                        change_project=project,
                        order=order,
                        horizon=Horizon.SHORT,
                        activity=f"Tonggak {order}",
                        planned_start=project.enrolment.program.start_date
                        + datetime.timedelta(days=20 * order),
                        planned_end=project.enrolment.program.start_date
                        + datetime.timedelta(days=20 * order + 14),
                    )
                    for project in projects
                    for order in range(1, milestones + 1)
                ],
                batch_size=self.batch_size,
            )
            self._attendance(made)
            done += len(made)
            self.say(
                f"{done:,} of {total:,} enrolments with change projects and milestones, "
                f"{self.attendance:,} attendance rows"
            )
