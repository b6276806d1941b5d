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
    PercentField,
    attendance_figures,
    attendance_rate,
    final_score,
    reached_qualification,
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
    "PercentField",
    "Seminar",
    "SeminarDecision",
    "SeminarScore",
    "add_months",
    "attendance_figures",
    "attendance_rate",
    "final_score",
    "new_certificate_token",
    "reached_qualification",
]
