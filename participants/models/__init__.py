"""The participants app's models: participants (NIP), enrolments and seats, liaisons, change projects and
milestones, the import batches and the personal-data access log. Imports the programs app only."""

from participants.models.enrolments import (
    DECIDED_STATUSES,
    IN_TRAINING_STATUSES,
    PASSED_STATUSES,
    SEAT_STATUSES,
    CapacityError,
    Enrolment,
    EnrolmentQuerySet,
    EnrolmentStatus,
    check_capacity,
    check_capacity_not_below_seats,
    check_not_passed_here,
    seats_taken,
)
from participants.models.people import Gender, Liaison, NIPField, Participant, ParticipantQuerySet, Rank
from participants.models.projects import (
    STAGE_ORDER,
    ChangeProject,
    ChangeProjectQuerySet,
    ChangeProjectStage,
    Horizon,
    Milestone,
    MilestoneQuerySet,
    MilestoneStatus,
)
from participants.models.records import (
    ExportOrigin,
    ImportBatch,
    ImportStatus,
    PersonalDataAccess,
    PersonalDataAccessKind,
)

__all__ = [
    "DECIDED_STATUSES",
    "IN_TRAINING_STATUSES",
    "PASSED_STATUSES",
    "SEAT_STATUSES",
    "STAGE_ORDER",
    "check_capacity",
    "check_capacity_not_below_seats",
    "check_not_passed_here",
    "seats_taken",
    "CapacityError",
    "ChangeProject",
    "ChangeProjectQuerySet",
    "ChangeProjectStage",
    "Enrolment",
    "EnrolmentQuerySet",
    "EnrolmentStatus",
    "ExportOrigin",
    "Gender",
    "Horizon",
    "ImportBatch",
    "ImportStatus",
    "Liaison",
    "Milestone",
    "MilestoneQuerySet",
    "MilestoneStatus",
    "NIPField",
    "Participant",
    "ParticipantQuerySet",
    "PersonalDataAccess",
    "PersonalDataAccessKind",
    "Rank",
]
