"""Staff pages of the training lifecycle and the public verification page; one module per area."""

from lifecycle.views.certificates import (
    certificate_issue,
    certificate_pdf,
    certificate_register,
    certificate_register_csv,
    certificate_reissue,
    certificate_revoke,
    certificate_zip,
    verify_certificate,
)
from lifecycle.views.entry import attendance_entry, seminar_entry

__all__ = [
    "attendance_entry",
    "certificate_issue",
    "certificate_pdf",
    "certificate_register",
    "certificate_register_csv",
    "certificate_reissue",
    "certificate_revoke",
    "certificate_zip",
    "seminar_entry",
    "verify_certificate",
]
