"""Enrolments of participants in programs, and the seats they take."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from participants.models.people import Participant
from programs.models import Program


class EnrolmentStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    REGISTERED = "registered", _("Registered")
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrew")
    DISMISSED = "dismissed", _("Dismissed")
    PASSED = "passed", _("Passed")
    PASSED_DEFERRED = "passed_deferred", _("Graduation deferred")
    FAILED = "failed", _("Did not pass")
    DID_NOT_FINISH = "did_not_finish", _("Did not finish")


# The definitions every page, export and count uses (each written once, here):
# - a participant of a program is an enrolment that holds one of its seats: registered, active, or with an
#   outcome. Nominees are candidates, not yet participants; who withdrew or was dismissed gave the seat back.
# - passed means graduated (lulus). Graduation deferred (kelulusan ditunda) is not passed: the decision is
#   pending, and it counts as passed only once it is changed to passed.
# - decided: the participants with an outcome, the base of a pass rate.
SEAT_STATUSES = frozenset(
    {
        EnrolmentStatus.REGISTERED,
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.PASSED,
        EnrolmentStatus.PASSED_DEFERRED,
        EnrolmentStatus.FAILED,
        EnrolmentStatus.DID_NOT_FINISH,
    }
)


PASSED_STATUSES = frozenset({EnrolmentStatus.PASSED})
DECIDED_STATUSES = frozenset(
    {
        EnrolmentStatus.PASSED,
        EnrolmentStatus.PASSED_DEFERRED,
        EnrolmentStatus.FAILED,
        EnrolmentStatus.DID_NOT_FINISH,
    }
)
IN_TRAINING_STATUSES = frozenset({EnrolmentStatus.REGISTERED, EnrolmentStatus.ACTIVE})


class CapacityError(ValidationError):
    pass


def check_capacity(program_id, *, holders, excluding=(), lock=False):
    """The seat rule, the one place it is written: the enrolments of the program that hold a seat
    (SEAT_STATUSES), leaving out `excluding` (the enrolments being changed), plus `holders` (how many of
    those being changed will hold one) may not be more than the program's capacity.

    With `lock`, the program's row is locked first (select_for_update), so that a concurrent writer taking
    the last seat waits here and then counts it. Raises CapacityError; returns the seats then taken.
    """
    programs = Program.objects.select_for_update() if lock else Program.objects
    capacity = programs.values_list("capacity", flat=True).get(pk=program_id)
    taken = (
        Enrolment.objects.filter(program_id=program_id)
        .holding_seats()
        .exclude(pk__in=list(excluding))
        .count()
        + holders
    )
    if taken > capacity:
        raise CapacityError(
            _("The program has %(capacity)d seats; %(taken)d would be taken."),
            code="program_full",
            params={"taken": taken, "capacity": capacity},
        )
    return taken


def seats_taken(program):
    """How many of the program's seats are held (SEAT_STATUSES)."""
    return Enrolment.objects.filter(program=program).holding_seats().count()


def check_capacity_not_below_seats(program):
    """Raise ValidationError on the capacity field when it is lower than the seats already held."""
    if not program.pk or not program.capacity:
        return
    taken = seats_taken(program)
    if program.capacity < taken:
        raise ValidationError(
            {
                "capacity": ValidationError(
                    _("%(taken)d participants already hold a seat; the capacity cannot be lower."),
                    code="capacity_below_seats",
                    params={"taken": taken},
                )
            }
        )


class EnrolmentQuerySet(models.QuerySet):
    def holding_seats(self):
        """The participants of the program(s): the enrolments that hold a seat (SEAT_STATUSES)."""
        return self.filter(status__in=SEAT_STATUSES)

    def passed(self):
        return self.filter(status__in=PASSED_STATUSES)


def check_not_passed_here(stored, status):
    """Refuse making an enrolment "passed" by editing its status (a form, an inline, an import): a participant
    passes through a graduation decision (lifecycle), which checks the program type's rules and records
    its basis. An enrolment that is already passed may keep that status."""
    if status == EnrolmentStatus.PASSED and stored != EnrolmentStatus.PASSED:
        raise ValidationError(
            _(
                "A participant passes only through a graduation decision, which checks the program's rules: "
                "use the action “Record a graduation decision” on the enrolments."
            ),
            code="passed_without_decision",
        )


class Enrolment(models.Model):
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="enrolments"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.REGISTERED
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["program", "participant__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "program"],
                name="enrolment_unique_participant_program",
                violation_error_message=_("This participant is already enrolled in this program."),
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"], name="enrolment_program_status_idx"),
            models.Index(fields=["status"], name="enrolment_status_idx"),  # the admin's status filter
            models.Index(fields=["updated_at"], name="enrolment_updated_idx"),  # the overview's fingerprint
        ]

    def __str__(self):
        return f"{self.participant} — {self.program}"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.holds_seat:
                self._check_capacity(lock=True)
            super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        # The status as stored, for clean(): only a graduation decision turns an enrolment into "passed".
        instance.stored_status = dict(zip(field_names, values, strict=True)).get("status")
        return instance

    def clean(self):
        super().clean()
        try:
            check_not_passed_here(getattr(self, "stored_status", None), self.status)
        except ValidationError as error:
            raise ValidationError({"status": error}) from error
        if self.program_id and self.holds_seat:
            # Inside a transaction (the admin's change form is one) the program row is locked here, so that a
            # second administrator taking the last seat waits and then sees it taken.
            self._check_capacity(lock=transaction.get_connection().in_atomic_block)

    @property
    def holds_seat(self):
        return self.status in SEAT_STATUSES

    def _check_capacity(self, *, lock):
        if (
            self.pk
            and Enrolment.objects.filter(
                pk=self.pk, program_id=self.program_id, status__in=SEAT_STATUSES
            ).exists()
        ):
            # Already holds a seat in this program: editing it takes no new seat, even if the quota was lowered.
            return
        check_capacity(self.program_id, holders=1, excluding=[self.pk] if self.pk else [], lock=lock)

    @property
    def is_demo(self):
        return self.participant.is_demo
