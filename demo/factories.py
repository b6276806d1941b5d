"""factory-boy factories of the project's models, shared by the tests and the demo-data commands."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from lifecycle.models import Appointment, Attendance, AttendanceStatus, EvaluationScore, Seminar
from participants.models import ChangeProject, Enrolment, Gender, Liaison, Milestone, Participant, Rank
from programs.models import (
    Agenda,
    EvaluationComponent,
    Institution,
    InstitutionKind,
    LearningMode,
    Person,
    PositionLevel,
    Program,
    ProgramRole,
    ProgramType,
    RoleKind,
    SeminarKind,
    Session,
    Source,
    Subject,
)

factory.Faker._DEFAULT_LOCALE = "id_ID"


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    publisher = "ANTARA"
    headline = factory.Sequence(lambda n: f"Synthetic headline {n}")


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Dinas Contoh {n}")
    kind = InstitutionKind.PROVINCE
    province = "Banten"


class ProgramTypeFactory(DjangoModelFactory):
    """Returns the type loaded by the data migration when the code exists."""

    class Meta:
        model = ProgramType
        django_get_or_create = ["code"]

    code = "pkn-2"
    name = "Pelatihan Kepemimpinan Nasional Tingkat II"
    abbreviation = "PKN Tingkat II"
    target_position = "JPT Pratama"
    product_name = "Proyek Perubahan"


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program

    program_type = factory.SubFactory(ProgramTypeFactory)
    year = factory.LazyAttribute(lambda o: o.start_date.year)  # Program.clean: the start date's year
    angkatan = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"{o.program_type.abbreviation} Angkatan {o.angkatan} {o.year}")
    # An organiser's code goes into its certificate numbers, which issuing refuses without it.
    organiser = factory.SubFactory(InstitutionFactory, code=factory.Sequence(lambda n: f"PENY-{n}"))
    venue = "Pandeglang"
    start_date = datetime.date(2025, 6, 23)
    duration_days = 107
    capacity = 52


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name")
    position = "Widyaiswara Ahli Utama"


class ProgramRoleFactory(DjangoModelFactory):
    class Meta:
        model = ProgramRole

    program = factory.SubFactory(ProgramFactory)
    person = factory.SubFactory(PersonFactory)
    role = RoleKind.COACH


class AgendaFactory(DjangoModelFactory):
    """Returns the agenda loaded by the data migration when the type already has that number."""

    class Meta:
        model = Agenda
        django_get_or_create = ["program_type", "number"]

    program_type = factory.SubFactory(ProgramTypeFactory)
    number = 1
    name = factory.Sequence(lambda n: f"Agenda contoh {n}")


class SubjectFactory(DjangoModelFactory):
    class Meta:
        model = Subject

    agenda = factory.SubFactory(AgendaFactory)
    name = factory.Sequence(lambda n: f"Mata pelatihan {n}")


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    program = factory.SubFactory(ProgramFactory)
    date = factory.LazyAttribute(lambda o: o.program.start_date)
    start_time = datetime.time(8, 0)
    end_time = datetime.time(9, 30)
    title = factory.Sequence(lambda n: f"Sesi {n}")
    jp = 2
    mode = LearningMode.CLASSICAL


def _faker(provider):
    """One value from the shared, seedable Faker (factory.random.reseed_random seeds it)."""
    return factory.Faker(provider).evaluate(None, None, {"locale": "id_ID"})


def make_nip(*, birth_date, tmt_year, tmt_month, gender, sequence):
    """A NIP whose parts agree with the given facts: YYYYMMDD YYYYMM G NNN."""
    return (
        f"{birth_date:%Y%m%d}{tmt_year:04d}{tmt_month:02d}{1 if gender == Gender.MALE else 2}{sequence:03d}"
    )


class ParticipantFactory(DjangoModelFactory):
    class Meta:
        model = Participant

    gender = factory.Iterator([Gender.MALE, Gender.FEMALE])
    name = factory.Maybe(
        factory.LazyAttribute(lambda o: o.gender == Gender.MALE),
        factory.LazyFunction(lambda: f"{_faker('first_name_male')} {_faker('last_name_male')}"),
        factory.LazyFunction(lambda: f"{_faker('first_name_female')} {_faker('last_name_female')}"),
    )
    birth_date = factory.Faker(
        "date_between_dates", date_start=datetime.date(1968, 1, 1), date_end=datetime.date(1985, 12, 31)
    )
    nip = factory.LazyAttributeSequence(
        lambda o, n: make_nip(
            birth_date=o.birth_date,
            tmt_year=o.birth_date.year + 25,
            tmt_month=(n % 12) + 1,
            gender=o.gender,
            sequence=n % 999 + 1,
        )
    )
    rank = Rank.IV_A
    position = "Kepala Bidang"
    position_level = PositionLevel.ADMINISTRATOR
    institution = factory.SubFactory(InstitutionFactory)


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment

    participant = factory.SubFactory(ParticipantFactory)
    program = factory.SubFactory(ProgramFactory)


class ChangeProjectFactory(DjangoModelFactory):
    class Meta:
        model = ChangeProject

    enrolment = factory.SubFactory(EnrolmentFactory)
    title = factory.Sequence(lambda n: f"Digitalisasi layanan {n}")


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    change_project = factory.SubFactory(ChangeProjectFactory)
    activity = factory.Sequence(lambda n: f"Kegiatan {n}")


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = Attendance

    enrolment = factory.SubFactory(EnrolmentFactory)
    session = factory.SubFactory(SessionFactory, program=factory.SelfAttribute("..enrolment.program"))
    status = AttendanceStatus.PRESENT


class SeminarFactory(DjangoModelFactory):
    class Meta:
        model = Seminar

    change_project = factory.SubFactory(ChangeProjectFactory)
    kind = SeminarKind.DESIGN
    date = factory.LazyAttribute(lambda o: o.change_project.enrolment.program.start_date)


class EvaluationScoreFactory(DjangoModelFactory):
    """Needs a component of the enrolment's program type: pass one, or it takes the type's first."""

    class Meta:
        model = EvaluationScore

    enrolment = factory.SubFactory(EnrolmentFactory)
    component = factory.LazyAttribute(
        lambda o: (
            EvaluationComponent.objects.filter(program_type=o.enrolment.program.program_type)
            .order_by("order")
            .first()
        )
    )
    score = Decimal("80")


class AppointmentFactory(DjangoModelFactory):
    class Meta:
        model = Appointment

    participant = factory.SubFactory(ParticipantFactory)
    position = "Kepala Dinas"
    position_level = PositionLevel.JPT_PRATAMA
    institution = factory.SelfAttribute("participant.institution")
    appointed_on = datetime.date(2026, 1, 5)


class UserFactory(DjangoModelFactory):
    """A user with the role groups named in `groups` (the names of migration 0003's groups)."""

    class Meta:
        model = "auth.User"
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.go.id")

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        if create and names:
            from django.contrib.auth.models import Group

            self.groups.set(Group.objects.filter(name__in=names))


class LiaisonFactory(DjangoModelFactory):
    class Meta:
        model = Liaison

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
