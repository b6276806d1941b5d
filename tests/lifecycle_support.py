"""Personas and small builders shared by the lifecycle tests."""

from decimal import Decimal

from django.contrib.auth.models import Group, Permission, User

from lifecycle.models import EvaluationScore, SeminarDecision
from lifecycle.services import decide_graduation
from participants.models import ChangeProject, EnrolmentStatus, Liaison
from programs.models import EvaluationComponent, ProgramRole, RoleKind, SeminarKind
from tests.factories import (
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    PersonFactory,
    SeminarFactory,
)

ADMINISTRATOR, STAFF, LIAISON = "Administrator", "Staf", "Penghubung instansi"


def make_user(username, *, groups=(), perms=(), institution=None):
    """A user in the named groups, with the extra permissions ("app.codename") and a liaison link."""
    user = User.objects.create_user(username, password="pw-persona-123")
    user.groups.add(*Group.objects.filter(name__in=groups))
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    if institution is not None:
        Liaison.objects.create(user=user, institution=institution)
    return user


def persona(name, *, institution=None, perms=()):
    """One of: outsider (no permission), staff (the Staf group), administrator (the Administrator group),
    liaison (the liaison group, linked to `institution`, plus `perms`)."""
    if name == "outsider":
        return make_user("outsider")
    if name == "staff":
        return make_user("staff", groups=[STAFF])
    if name == "administrator":
        return make_user("administrator", groups=[ADMINISTRATOR])
    if name == "liaison":
        return make_user("liaison", groups=[LIAISON], perms=perms, institution=institution)
    raise ValueError(name)


def components_of(program):
    return list(EvaluationComponent.objects.filter(program_type=program.program_type).order_by("order"))


def score_all(enrolment, values):
    """Scores for the components of the enrolment's type, in their order."""
    for component, value in zip(components_of(enrolment.program), values, strict=True):
        EvaluationScore.objects.update_or_create(
            enrolment=enrolment, component=component, defaults={"score": Decimal(str(value))}
        )


def signed(enrolment, *, name="Untung Saritomo", position="Kepala BPSDM"):
    """The enrolment, its program given an organiser's head (the certificate's signer) when it has none:
    issuing refuses a certificate without a signer."""
    if not enrolment.program.roles.filter(role=RoleKind.ORGANISER_HEAD).exists():
        ProgramRole.objects.create(
            program=enrolment.program,
            person=PersonFactory(name=name, position=position),
            role=RoleKind.ORGANISER_HEAD,
        )
    return enrolment


def passed_enrolment(**kwargs):
    """A passed enrolment whose program has a signer: ready for a certificate."""
    return signed(EnrolmentFactory(status=EnrolmentStatus.PASSED, **kwargs))


def meet_graduation_rules(enrolment, *, score=85):
    """Give the enrolment what outcome "passed" needs: an attended session (100% attendance), every
    component scored `score` (85: Memuaskan, a passing qualification) and an accepted results seminar of
    its change project (made when missing). Returns the enrolment."""
    AttendanceFactory(enrolment=enrolment)
    score_all(enrolment, [score] * len(components_of(enrolment.program)))
    project = ChangeProject.objects.filter(enrolment=enrolment).first() or ChangeProjectFactory(
        enrolment=enrolment
    )
    SeminarFactory(change_project=project, kind=SeminarKind.RESULTS, decision=SeminarDecision.ACCEPTED)
    return enrolment


def pass_by_override(enrolment, *, reason="Diputuskan sidang kelulusan"):
    """Record "passed" for an enrolment that does not meet the graduation rules, by override with a reason."""
    return decide_graduation(
        enrolment=enrolment,
        outcome=EnrolmentStatus.PASSED,
        decided_by=None,
        override=True,
        override_reason=reason,
    )
