"""The project's factories, in one import for the tests. They live beside their models so that the
demo-data command can use them too."""

from participants.factories import (  # noqa: F401 (re-exported)
    AppointmentFactory,
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    EvaluationScoreFactory,
    MilestoneFactory,
    ParticipantFactory,
    SeminarFactory,
    make_nip,
)
from programs.factories import (  # noqa: F401 (re-exported)
    AgendaFactory,
    InstitutionFactory,
    PersonFactory,
    ProgramFactory,
    ProgramRoleFactory,
    ProgramTypeFactory,
    SessionFactory,
    SourceFactory,
    SubjectFactory,
)
