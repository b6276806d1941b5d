"""The project's factories, in one import for the tests. They live in the demo app so that the demo-data
commands can use them too."""

from demo.factories import (  # noqa: F401 (re-exported)
    AgendaFactory,
    AppointmentFactory,
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    EvaluationScoreFactory,
    InstitutionFactory,
    MilestoneFactory,
    ParticipantFactory,
    PersonFactory,
    ProgramFactory,
    ProgramRoleFactory,
    ProgramTypeFactory,
    SeminarFactory,
    SessionFactory,
    SourceFactory,
    SubjectFactory,
    make_nip,
)
