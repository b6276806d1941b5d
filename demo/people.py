"""Clearly synthetic demo participants for a program, made with the project's factories.

Every record written here carries is_demo=True (participants, people, institutions it had to create),
and the pages and the admin show that flag. The same seed and the same database give the same people.
"""

import datetime
import random

import factory.random
from django.db import transaction

from demo.factories import (
    ChangeProjectFactory,
    EnrolmentFactory,
    MilestoneFactory,
    ParticipantFactory,
    make_nip,
)
from participants.models import ChangeProjectStage, EnrolmentStatus, Gender, Horizon, Participant, Rank
from programs.models import (
    Institution,
    InstitutionKind,
    Person,
    PositionLevel,
    Program,
    ProgramRole,
    RoleKind,
)

# name, kind, province, parent name. Plausible senders of PKN II participants: ministries and agencies,
# Banten's own agencies and local governments, and regional governments outside Banten.
DEMO_INSTITUTIONS = [
    ("Kementerian Dalam Negeri", InstitutionKind.MINISTRY, "", None),
    ("Kementerian Keuangan", InstitutionKind.MINISTRY, "", None),
    ("Kementerian Kesehatan", InstitutionKind.MINISTRY, "", None),
    ("Kementerian Perhubungan", InstitutionKind.MINISTRY, "", None),
    ("Badan Pusat Statistik", InstitutionKind.NON_MINISTERIAL, "", None),
    ("Badan Kepegawaian Negara", InstitutionKind.NON_MINISTERIAL, "", None),
    ("Sekretariat Jenderal DPR RI", InstitutionKind.STATE_SECRETARIAT, "", None),
    (
        "Dinas Pendidikan dan Kebudayaan Provinsi Banten",
        InstitutionKind.PROVINCE,
        "Banten",
        "Pemerintah Provinsi Banten",
    ),
    ("Dinas Kesehatan Provinsi Banten", InstitutionKind.PROVINCE, "Banten", "Pemerintah Provinsi Banten"),
    (
        "Badan Perencanaan Pembangunan Daerah Provinsi Banten",
        InstitutionKind.PROVINCE,
        "Banten",
        "Pemerintah Provinsi Banten",
    ),
    (
        "Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Banten",
        InstitutionKind.PROVINCE,
        "Banten",
        "Pemerintah Provinsi Banten",
    ),
    (
        "Badan Kepegawaian Daerah Provinsi Banten",
        InstitutionKind.PROVINCE,
        "Banten",
        "Pemerintah Provinsi Banten",
    ),
    ("Pemerintah Kabupaten Pandeglang", InstitutionKind.REGENCY, "Banten", None),
    ("Pemerintah Kabupaten Lebak", InstitutionKind.REGENCY, "Banten", None),
    ("Pemerintah Kabupaten Serang", InstitutionKind.REGENCY, "Banten", None),
    ("Pemerintah Kabupaten Tangerang", InstitutionKind.REGENCY, "Banten", None),
    ("Pemerintah Kota Serang", InstitutionKind.CITY, "Banten", None),
    ("Pemerintah Kota Cilegon", InstitutionKind.CITY, "Banten", None),
    ("Pemerintah Kota Tangerang Selatan", InstitutionKind.CITY, "Banten", None),
    ("Pemerintah Provinsi Jawa Barat", InstitutionKind.PROVINCE, "Jawa Barat", None),
    ("Pemerintah Kabupaten Bogor", InstitutionKind.REGENCY, "Jawa Barat", None),
    ("Pemerintah Provinsi Lampung", InstitutionKind.PROVINCE, "Lampung", None),
    ("Pemerintah Kota Bandar Lampung", InstitutionKind.CITY, "Lampung", None),
    ("Kepolisian Negara Republik Indonesia", InstitutionKind.OTHER, "", None),
]

POSITIONS = {
    PositionLevel.ADMINISTRATOR: ["Kepala Bidang", "Kepala Bagian", "Sekretaris Dinas", "Camat"],
    PositionLevel.JPT_PRATAMA: ["Kepala Dinas", "Kepala Badan", "Direktur", "Kepala Biro"],
    PositionLevel.JF_AHLI_MADYA: [
        "Analis Kebijakan Ahli Madya",
        "Perencana Ahli Madya",
        "Auditor Ahli Madya",
    ],
}
BACK_TITLES = [
    "S.T., M.T.",
    "S.H., M.H.",
    "S.E., M.Si.",
    "S.Sos., M.Si.",
    "S.Kom., M.Kom.",
    "S.Pd., M.Pd.",
    "S.I.P., M.A.P.",
    "S.KM., M.Kes.",
]
PROJECT_VERBS = ["Digitalisasi", "Integrasi", "Percepatan", "Optimalisasi", "Transformasi", "Penguatan"]
PROJECT_OBJECTS = [
    "Layanan Perizinan",
    "Data Kepegawaian",
    "Pengaduan Masyarakat",
    "Perencanaan Anggaran",
    "Layanan Kesehatan Dasar",
    "Pengelolaan Arsip",
    "Pemantauan Infrastruktur Jalan",
    "Penyaluran Bantuan Sosial",
    "Layanan Pendidikan Inklusif",
    "Pengendalian Inflasi Daerah",
]
PROJECT_MEANS = [
    "melalui Aplikasi Terpadu",
    "Berbasis Dasbor Kinerja",
    "melalui Kolaborasi Lintas Sektor",
    "dengan Sistem Satu Data",
    "melalui Layanan Daring 24 Jam",
]

# How the 52 demo change projects spread over the stages, and the outcome each stage leads to in a
# finished program (the article's cohort ended on 7 October 2025).
STAGE_PLAN = [
    (ChangeProjectStage.DESIGN, EnrolmentStatus.DID_NOT_FINISH, 1),
    (ChangeProjectStage.DESIGN_SEMINAR, EnrolmentStatus.FAILED, 2),
    (ChangeProjectStage.IMPLEMENTATION, EnrolmentStatus.PASSED_DEFERRED, 4),
    (ChangeProjectStage.RESULTS_SEMINAR, EnrolmentStatus.PASSED, 8),
    (ChangeProjectStage.REPORTED, EnrolmentStatus.PASSED, 22),
    (ChangeProjectStage.CONTINUING, EnrolmentStatus.PASSED, 15),
]


def _demo_institutions():
    parents = {
        inst.name: inst
        for inst in Institution.objects.filter(name__in=[p for *_, p in DEMO_INSTITUTIONS if p])
    }
    result = []
    for name, kind, province, parent_name in DEMO_INSTITUTIONS:
        institution = Institution.objects.matching_name(name).first()
        if institution is None:
            institution = Institution.objects.create(
                name=name, kind=kind, province=province, parent=parents.get(parent_name), is_demo=True
            )
        result.append(institution)
    return result


def _demo_person(rng, *, position, institution):
    gender = rng.choice([Gender.MALE, Gender.FEMALE])
    participant = ParticipantFactory.build(gender=gender, institution=institution)
    return Person.objects.create(
        front_title=rng.choice(["", "", "Dr."]),
        name=participant.name,
        back_title=rng.choice(BACK_TITLES),
        position=position,
        institution=institution,
        is_demo=True,
    )


def _unique_nip(rng, used, *, birth_date, gender):
    while True:
        tmt_year = birth_date.year + rng.randint(23, 28)
        nip = make_nip(
            birth_date=birth_date,
            tmt_year=tmt_year,
            tmt_month=rng.randint(1, 12),
            gender=gender,
            sequence=rng.randint(1, 999),
        )
        if nip not in used:
            used.add(nip)
            return nip


def _stages_for(count):
    plan = [(stage, status) for stage, status, n in STAGE_PLAN for _ in range(n)]
    # Fewer seats than the plan: keep its spread; more: the rest are reported projects.
    while len(plan) < count:
        plan.append((ChangeProjectStage.REPORTED, EnrolmentStatus.PASSED))
    step = len(plan) / count if count else 1
    return [plan[int(i * step)] for i in range(count)]


@transaction.atomic
def fill_with_demo_participants(program: Program, *, seed: int):
    """Fill the program's free seats with synthetic participants, each with a change project.

    Side effects: creates demo Institutions (only those missing), demo People (coaches, examiners,
    one mentor per participant) with their ProgramRoles, Participants, Enrolments, ChangeProjects and
    Milestones, all flagged is_demo. Creates nothing when the program is full. Returns the number added.
    """
    free = program.capacity - program.enrolments.holding_seats().count()
    if free <= 0:
        return 0
    rng = random.Random(seed + program.pk)
    factory.random.reseed_random(seed + program.pk)
    institutions = _demo_institutions()
    organiser = program.organiser

    coaches = list(
        Person.objects.filter(roles__program=program, roles__role=RoleKind.COACH).order_by("pk")
    ) or [_demo_person(rng, position="Widyaiswara Ahli Utama", institution=organiser) for _ in range(6)]
    examiners = list(
        Person.objects.filter(roles__program=program, roles__role=RoleKind.EXAMINER).order_by("pk")
    ) or [_demo_person(rng, position="Widyaiswara Ahli Utama", institution=organiser) for _ in range(4)]
    for person in coaches:
        ProgramRole.objects.get_or_create(program=program, person=person, role=RoleKind.COACH)
    for person in examiners:
        ProgramRole.objects.get_or_create(program=program, person=person, role=RoleKind.EXAMINER)

    used_nips = set(Participant.objects.exclude(nip=None).values_list("nip", flat=True))
    start = program.start_date
    levels = (
        [PositionLevel.ADMINISTRATOR] * 6 + [PositionLevel.JPT_PRATAMA] * 3 + [PositionLevel.JF_AHLI_MADYA]
    )
    for index, (stage, status) in enumerate(_stages_for(free)):
        institution = rng.choice(institutions)
        gender = Gender.MALE if rng.random() < 0.7 else Gender.FEMALE
        birth_date = datetime.date(rng.randint(1968, 1984), rng.randint(1, 12), rng.randint(1, 28))
        level = rng.choice(levels)
        participant = ParticipantFactory(
            gender=gender,
            birth_date=birth_date,
            birth_place=rng.choice(
                ["Serang", "Pandeglang", "Lebak", "Bandung", "Jakarta", "Bogor", "Lampung"]
            ),
            nip=_unique_nip(rng, used_nips, birth_date=birth_date, gender=gender),
            front_title=rng.choice(["", "", "", "Dr.", "Ir."]),
            back_title=rng.choice(BACK_TITLES),
            rank=rng.choice([Rank.IV_A, Rank.IV_A, Rank.IV_B, Rank.IV_B, Rank.IV_C]),
            position=rng.choice(POSITIONS[level]),
            position_level=level,
            institution=institution,
            email="",
            phone=f"0812-0000-{rng.randint(0, 9999):04d}",
            is_demo=True,
        )
        participant.email = f"peserta{participant.pk}@demo.example"
        participant.save(update_fields=["email"])
        enrolment = EnrolmentFactory(participant=participant, program=program, status=status)
        mentor = _demo_person(
            rng,
            position=f"Atasan langsung, {institution.short_name or institution.name}",
            institution=institution,
        )
        project = ChangeProjectFactory(
            enrolment=enrolment,
            title=f"{rng.choice(PROJECT_VERBS)} {rng.choice(PROJECT_OBJECTS)} {rng.choice(PROJECT_MEANS)}",
            problem="Data sintetis untuk demo: layanan lambat dan data tersebar di beberapa unit.",
            goal_short="Prototipe layanan berjalan di satu unit kerja.",
            goal_medium="Layanan dipakai di seluruh unit kerja instansi.",
            goal_long="Layanan terintegrasi dengan instansi lain di tingkat provinsi.",
            stage=stage,
            mentor=mentor,
            coach=coaches[index % len(coaches)],
        )
        project.examiners.set(rng.sample(examiners, 2))
        stage_number = project.stage_number
        for order in range(rng.randint(3, 5)):
            planned_start = start + datetime.timedelta(days=30 + order * 10)
            MilestoneFactory(
                change_project=project,
                order=order + 1,
                horizon=Horizon.SHORT,
                activity=rng.choice(
                    [
                        "Membentuk tim efektif",
                        "Menyusun SOP layanan",
                        "Membangun prototipe aplikasi",
                        "Sosialisasi kepada pemangku kepentingan",
                        "Uji coba layanan",
                        "Evaluasi uji coba",
                    ]
                ),
                responsible=rng.choice(["Peserta", "Tim efektif", "Mentor", "Bidang TI"]),
                planned_start=planned_start,
                planned_end=planned_start + datetime.timedelta(days=14),
                done_on=planned_start + datetime.timedelta(days=rng.randint(7, 20))
                if stage_number >= 4
                else None,
                output=rng.choice(["SK tim", "Dokumen SOP", "Aplikasi versi uji", "Laporan kegiatan"]),
            )
        for order, horizon in ((6, Horizon.MEDIUM), (7, Horizon.LONG)):
            MilestoneFactory(
                change_project=project,
                order=order,
                horizon=horizon,
                activity="Perluasan layanan ke seluruh unit"
                if horizon == Horizon.MEDIUM
                else "Integrasi lintas instansi",
                planned_start=program.computed_end_date
                + datetime.timedelta(days=60 if horizon == Horizon.MEDIUM else 240),
                planned_end=program.computed_end_date
                + datetime.timedelta(days=300 if horizon == Horizon.MEDIUM else 600),
                output="Laporan capaian",
            )
    return free
