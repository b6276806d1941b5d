"""factory-boy factories for the programs app, shared by the tests and the demo-data command."""

import datetime

import factory
from factory.django import DjangoModelFactory

from .models import (
    Agenda,
    Institution,
    InstitutionKind,
    LearningMode,
    Person,
    Program,
    ProgramRole,
    ProgramType,
    RoleKind,
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
    year = 2025
    angkatan = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"{o.program_type.abbreviation} Angkatan {o.angkatan} {o.year}")
    organiser = factory.SubFactory(InstitutionFactory)
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
