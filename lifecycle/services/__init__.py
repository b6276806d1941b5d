"""Workflows of the training lifecycle: attendance, seminars, graduation decisions, certificates.

One module per workflow; this package names the functions the views, the admin and the demo call.
"""

from lifecycle.services.attendance import record_attendance
from lifecycle.services.certificates import (
    issue_certificate,
    issue_certificates,
    reissue_certificate,
    revoke_certificate,
)
from lifecycle.services.graduation import check_graduation, decide_graduation, unmet_graduation_rules
from lifecycle.services.seminars import removed_scores, save_seminar, seminar_stage, update_project_stage

__all__ = [
    "check_graduation",
    "decide_graduation",
    "issue_certificate",
    "issue_certificates",
    "record_attendance",
    "reissue_certificate",
    "removed_scores",
    "revoke_certificate",
    "save_seminar",
    "seminar_stage",
    "update_project_stage",
    "unmet_graduation_rules",
]
