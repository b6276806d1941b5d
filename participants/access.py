"""Who may see which participants. One place for the scope rule, reused by every view and export.

A user with participants.view_all_institutions sees everyone. Anyone else sees only the participants of
the institution their Liaison link names and of the institutions below it; a user without a link, nobody.
"""

from django.http import Http404

from participants.models import Liaison
from programs.models import Institution

ALL = None


def institution_scope(user):
    """None for every institution, else the frozenset of institution ids the user may see."""
    if not user.is_authenticated:
        return frozenset()
    if user.has_perm("participants.view_all_institutions"):
        return ALL
    cached = getattr(user, "_institution_scope", False)
    if cached is not False:
        return cached
    root = Liaison.objects.filter(user=user).values_list("institution_id", flat=True).first()
    scope = frozenset() if root is None else frozenset(descendant_ids(root))
    user._institution_scope = scope
    return scope


def descendant_ids(root_id):
    """The institution and every institution below it, in one query whatever the depth."""
    children = {}
    for pk, parent_id in Institution.objects.exclude(parent=None).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = {root_id}, [root_id]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def scope_participants(queryset, user):
    scope = institution_scope(user)
    return queryset if scope is ALL else queryset.filter(institution_id__in=scope)


def scope_enrolments(queryset, user):
    scope = institution_scope(user)
    return queryset if scope is ALL else queryset.filter(participant__institution_id__in=scope)


def scope_institutions(queryset, user):
    scope = institution_scope(user)
    return queryset if scope is ALL else queryset.filter(pk__in=scope)


def can_see_personal_data(user):
    return user.has_perm("participants.view_personal_data")


def get_visible_participant(user, pk, queryset):
    """The participant with this pk if the user's scope holds it; 404 otherwise (no hint it exists)."""
    participant = scope_participants(queryset, user).filter(pk=pk).first()
    if participant is None:
        raise Http404
    return participant


def mask(value, keep=4):
    """'198609262015051001' -> '••••••••••••••1001'; empty stays empty."""
    value = str(value or "")
    if not value:
        return ""
    return "•" * max(len(value) - keep, 0) + value[-keep:]


def scope_by_enrolment(queryset, user, enrolment="enrolment"):
    """Narrow rows that belong to an enrolment (attendance, seminars, certificates...) to the user's scope.

    `enrolment` is the lookup path from the queryset's model to its Enrolment.
    """
    return scope_by_participant(queryset, user, f"{enrolment}__participant")


def scope_by_participant(queryset, user, participant="participant"):
    """Narrow rows that belong to a participant (appointments, enrolments...) to the user's scope.

    `participant` is the lookup path from the queryset's model to its Participant; "" for participants.
    """
    scope = institution_scope(user)
    if scope is ALL:
        return queryset
    return queryset.filter(
        **{f"{participant}__institution_id__in" if participant else "institution_id__in": scope}
    )
