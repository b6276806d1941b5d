"""The logins `make run` prints: a staff member and an institution liaison beside the administrator, so a
newcomer can see the app as each role sees it. Development only; their passwords live in var/."""

from django.conf import settings
from django.db.models import Count

from participants.models import Liaison
from programs.models import Institution
from trainingtracker.accounts import ensure_login, stored_password

STAFF_USERNAME = "staf"
LIAISON_USERNAME = "penghubung"


def ensure_demo_logins(program):
    """Create (or leave as they are) the staff and liaison logins; the liaison speaks for the institution
    with the most participants in `program`. Returns [(role label, username, password, scope)]."""
    administrator = settings.ADMIN_USERNAME, stored_password("admin", settings.ADMIN_PASSWORD)
    staff_password = stored_password(STAFF_USERNAME)
    ensure_login(STAFF_USERNAME, staff_password, group="Staf")
    liaison_password = stored_password(LIAISON_USERNAME)
    liaison, _created = ensure_login(LIAISON_USERNAME, liaison_password, group="Penghubung instansi")
    institution = (
        Institution.objects.filter(participants__enrolments__program=program)
        .annotate(count=Count("participants"))
        .order_by("-count", "name")
        .first()
    )
    if institution is not None:
        Liaison.objects.get_or_create(user=liaison, defaults={"institution": institution})
    scope = Liaison.objects.filter(user=liaison).values_list("institution__name", flat=True).first() or ""
    return [
        ("Administrator", *administrator, "/admin/"),
        ("Staf", STAFF_USERNAME, staff_password, ""),
        ("Penghubung instansi", LIAISON_USERNAME, liaison_password, scope),
    ]
