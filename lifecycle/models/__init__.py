"""The lifecycle app's models: attendance, seminars, evaluation and results, graduation decisions,
certificates, alumni appointments. Imports the participants and programs apps."""

from lifecycle.models.alumni import Appointment, add_months
from lifecycle.models.attendance import ATTENDED_STATUSES, Attendance, AttendanceCorrection, AttendanceStatus
from lifecycle.models.certificates import (
    Certificate,
    CertificateCounter,
    CertificateQuerySet,
    new_certificate_token,
)
from lifecycle.models.results import (
    GRADUATION_OUTCOMES,
    ComputedScoreField,
    EnrolmentResult,
    EnrolmentResultQuerySet,
    EvaluationScore,
    GraduationDecision,
    GraduationDecisionQuerySet,
    attendance_percent,
)
from lifecycle.models.seminars import Seminar, SeminarDecision, SeminarScore

__all__ = [
    "ATTENDED_STATUSES",
    "GRADUATION_OUTCOMES",
    "Appointment",
    "Attendance",
    "AttendanceCorrection",
    "AttendanceStatus",
    "Certificate",
    "CertificateCounter",
    "CertificateQuerySet",
    "ComputedScoreField",
    "EnrolmentResult",
    "EnrolmentResultQuerySet",
    "EvaluationScore",
    "GraduationDecision",
    "GraduationDecisionQuerySet",
    "Seminar",
    "SeminarDecision",
    "SeminarScore",
    "add_months",
    "attendance_percent",
    "new_certificate_token",
]
