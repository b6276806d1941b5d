"""Who sees what in the admin: the institution scope and the masking of personal data of the pages and
exports (participants/access.py), applied to every admin that shows participants, and the enrolment search.

The lifecycle and reports admins, above this app, use PersonalDataAdminMixin too.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Q
from django.http import Http404
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from participants.access import ALL, can_see_personal_data, institution_scope, mask, scope_by_participant
from participants.models import Participant
from programs.admin_zones import ProgramTimeZoneAdminMixin
from programs.models import Program

# A participant's personal data (UU 27/2022), shown only to users with participants.view_personal_data:
# the NIP, email and phone masked to their last four characters as on the pages and in the exports
# (access.mask); the place and date of birth, which the pages leave out, not at all.
MASKED_TO_LAST_FOUR = ("nip", "email", "phone")
HIDDEN = ("birth_place", "birth_date")
PERSONAL_FIELDS = (*MASKED_TO_LAST_FOUR, *HIDDEN)


def masked_value(name, value):
    """What a user without participants.view_personal_data is shown of a participant's field `name`."""
    if value in (None, ""):
        return "—"
    if name in MASKED_TO_LAST_FOUR:
        return mask(value)
    return gettext("masked")


class MaskedHistoryHelper(HistoricalRecordContextHelper):
    """simple-history's changes column ("old → new") with the personal fields masked."""

    def __init__(self, model, historical_record, *, personal_fields):
        super().__init__(model, historical_record)
        self.personal_fields = personal_fields

    def prepare_delta_change_value(self, change, value):
        if change.field in self.personal_fields:
            return masked_value(change.field, value)
        return super().prepare_delta_change_value(change, value)


class PersonalDataAdminMixin(ProgramTimeZoneAdminMixin):
    """For every admin whose rows belong to a participant: the rows of the user's institution scope only
    (get_queryset; an object outside it is a 404 on its change, delete and history pages, with no hint
    that it exists), and for users without participants.view_personal_data the personal fields masked in
    the list columns (`masked_columns`), on the change and history pages (`personal_fields` become
    read-only masked values), and left out of the search: a user who may not see a NIP cannot look one up
    either, not even by its full value (search finds them by name, institution, title...).

    Autocomplete widgets read through the admin of the model they list, so they are narrowed and searched
    the same way. Put the mixin first among the admin's bases.
    """

    # The lookup path from the admin's model to its Participant ("" for the participants' admin).
    participant_path = "enrolment__participant"
    # list_display column -> the column shown instead to users without participants.view_personal_data.
    masked_columns = {}
    # The model's own fields that hold personal data (only the participants' admin has any).
    personal_fields = ()

    def scope_queryset(self, queryset, user):
        return scope_by_participant(queryset, user, self.participant_path)

    def get_queryset(self, request):
        return self.scope_queryset(super().get_queryset(request), request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and institution_scope(request.user) is not ALL:
            raise Http404  # outside the scope or missing: the same answer
        return obj

    def check_object_in_scope(self, request, object_id):
        """For the history pages, which read the historical rows without get_queryset."""
        if institution_scope(request.user) is not ALL:
            self.get_object(request, unquote(object_id))

    def history_view(self, request, object_id, extra_context=None):
        self.check_object_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.check_object_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        if not self.personal_fields or can_see_personal_data(request.user):
            return super().get_historical_record_context_helper(request, historical_record)
        return MaskedHistoryHelper(self.model, historical_record, personal_fields=self.personal_fields)

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if can_see_personal_data(request.user):
            return columns
        return [self.masked_columns.get(column, column) for column in columns]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if can_see_personal_data(request.user):
            return fields
        prefix = f"{self.participant_path}__" if self.participant_path else ""
        personal = {f"{prefix}{name}" for name in PERSONAL_FIELDS}
        return [field for field in fields if field.lstrip("=^@") not in personal]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.personal_fields or can_see_personal_data(request.user):
            return fieldsets

        def masked(names):
            return [
                masked(name) if isinstance(name, (list, tuple)) else self.masked_field_name(name)
                for name in names
            ]

        return [(title, {**options, "fields": masked(options["fields"])}) for title, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not self.personal_fields or can_see_personal_data(request.user):
            return fields
        return [*fields, *(f"masked_{name}" for name in self.personal_fields)]

    def masked_field_name(self, name):
        return f"masked_{name}" if name in self.personal_fields else name

    def personal_value(self, obj, name):
        participant = obj
        for step in filter(None, self.participant_path.split("__")):
            participant = getattr(participant, step)
        return masked_value(name, getattr(participant, name))

    @admin.display(description=_("NIP"))
    def masked_nip(self, obj):
        return self.personal_value(obj, "nip")

    @admin.display(description=_("email"))
    def masked_email(self, obj):
        return self.personal_value(obj, "email")

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return self.personal_value(obj, "phone")

    @admin.display(description=_("place of birth"))
    def masked_birth_place(self, obj):
        return self.personal_value(obj, "birth_place")

    @admin.display(description=_("date of birth"))
    def masked_birth_date(self, obj):
        return self.personal_value(obj, "birth_date")


# A word matching more participants than this, or shorter than a trigram, is searched as Django does.
SEARCH_ID_LIMIT = 5_000


def enrolment_search(queryset, search_term, *, personal=True):
    """Django's admin search over the participant's name, NIP and institution and the program's title (each
    word in one of them; a quoted phrase is one word), read through indexes: the participants and programs a
    word matches are looked up first (trigram indexes on PostgreSQL, participants/migrations/0009), then the
    enrolments by their participant and program indexes: two queries a word. A word of one or two letters,
    or one matching more than SEARCH_ID_LIMIT participants, joins the tables in the list's query as Django's
    own search does (a list of ids that long costs more to send and plan than the join).

    `personal` False (a user without participants.view_personal_data) leaves the NIP out of the search."""
    for word in smart_split(search_term):
        if word.startswith(('"', "'")) and word[0] == word[-1]:
            word = unescape_string_literal(word)
        if not word:
            continue
        joined = (
            Q(participant__name__icontains=word)
            | Q(participant__institution__name__icontains=word)
            | Q(program__title__icontains=word)
        )
        if personal:
            joined |= Q(participant__nip__icontains=word)
        if len(word) < 3:
            queryset = queryset.filter(joined)
            continue
        found = Participant.objects.order_by().values_list("pk", flat=True)
        matches = [found.filter(institution__name__icontains=word)]
        if personal:
            matches.append(found.filter(nip__icontains=word))
        participants = list(
            found.filter(name__icontains=word)
            .union(*matches)
            .order_by()[: SEARCH_ID_LIMIT + 1]  # order_by(): the model's ordering names an unselected column
        )
        if len(participants) > SEARCH_ID_LIMIT:
            queryset = queryset.filter(joined)
            continue
        programs = list(Program.objects.filter(title__icontains=word).values_list("pk", flat=True))
        if not participants and not programs:
            return queryset.none()
        queryset = queryset.filter(Q(participant_id__in=participants) | Q(program_id__in=programs))
    return queryset
