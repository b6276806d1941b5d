"""Forms of the lifecycle staff pages: attendance of a whole session, a seminar with its score grid,
and the reason for revoking or reissuing a certificate."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from lifecycle.models import AttendanceStatus, Seminar
from lifecycle.services import removed_scores


class AttendanceForm(forms.Form):
    """One status and reason per enrolment of the session, and one reason for all corrections."""

    correction_reason = forms.CharField(
        label=_("Reason for the corrections"),
        max_length=255,
        required=False,
        help_text=_("Needed when you change attendance that was already recorded; kept in the history."),
    )
    fill_present = forms.BooleanField(
        label=_("Mark everyone left empty as present"), required=False, initial=False
    )

    def __init__(self, *args, rows, **kwargs):
        """`rows` is a list of (enrolment, recorded Attendance or None)."""
        super().__init__(*args, **kwargs)
        self.rows = []
        for enrolment, record in rows:
            status_name, reason_name = f"status_{enrolment.pk}", f"reason_{enrolment.pk}"
            choices = list(AttendanceStatus.choices)
            if record is None:
                choices = [("", _("— not recorded —")), *choices]
            self.fields[status_name] = forms.ChoiceField(
                label=enrolment.participant.full_name,
                choices=choices,
                required=False,
                initial=record.status if record else "",
            )
            self.fields[reason_name] = forms.CharField(
                label=_("Reason"), max_length=255, required=False, initial=record.reason if record else ""
            )
            self.rows.append(
                {
                    "enrolment": enrolment,
                    "record": record,
                    "status": self[status_name],
                    "reason": self[reason_name],
                }
            )

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            enrolment, record = row["enrolment"], row["record"]
            status_name, reason_name = f"status_{enrolment.pk}", f"reason_{enrolment.pk}"
            status = cleaned.get(status_name, "")
            if not status and cleaned.get("fill_present") and record is None:
                cleaned[status_name] = status = AttendanceStatus.PRESENT
            if not status and record is not None:
                self.add_error(status_name, _("Recorded attendance cannot be emptied; correct it instead."))
            if status == AttendanceStatus.EXCUSED and not cleaned.get(reason_name, "").strip():
                self.add_error(reason_name, _("An excused absence needs a reason."))
        return cleaned

    def marks(self):
        """{enrolment id: (status, reason)} for every row with a status."""
        result = {}
        for row in self.rows:
            pk = row["enrolment"].pk
            status = self.cleaned_data.get(f"status_{pk}")
            if status:
                result[pk] = (status, self.cleaned_data.get(f"reason_{pk}", ""))
        return result


class ValidatedBoundField(forms.BoundField):
    """Adds Bootstrap's is-invalid class to the widget of a field with errors, for the grid's cells that
    are rendered by their widget (so that the value is written the way the field reads it back)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
        return attrs


class SeminarForm(forms.ModelForm):
    """The seminar's own fields, plus for each candidate examiner a panel tick and a score per aspect.

    The score boxes are number inputs: browsers only take a value written with a dot, so the boxes are never
    localised (an Indonesian "94,00" was shown as an empty box, and saving again deleted the score). An
    examiner with saved scores also gets a "remove the saved scores" tick: a save that would remove any of
    them (the examiner unticked from the panel, or boxes emptied) is refused until it is ticked.
    """

    class Meta:
        model = Seminar
        fields = ["date", "mentor_present", "coach_present", "decision", "notes"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, examiners, aspects, scores, panel_ids, **kwargs):
        """`scores` maps (examiner id, aspect id) to the saved score; `panel_ids` is the saved panel."""
        super().__init__(*args, **kwargs)
        self.examiners, self.aspects, self.saved_scores = examiners, aspects, scores
        with_saved_scores = {examiner_id for examiner_id, _aspect_id in scores}
        self.grid = []
        for examiner in examiners:
            panel_name = f"panel_{examiner.pk}"
            self.fields[panel_name] = forms.BooleanField(
                label=examiner.full_name, required=False, initial=examiner.pk in panel_ids
            )
            cells = []
            for aspect in aspects:
                name = f"score_{examiner.pk}_{aspect.pk}"
                self.fields[name] = forms.DecimalField(
                    label=f"{examiner.full_name}: {aspect.name}",
                    min_value=Decimal(0),
                    max_value=Decimal(100),
                    max_digits=5,
                    decimal_places=2,
                    required=False,
                    localize=False,
                    initial=scores.get((examiner.pk, aspect.pk)),
                    widget=forms.NumberInput(
                        attrs={
                            "step": "0.01",
                            "class": "form-control form-control-sm",
                            "aria-label": f"{examiner.full_name}: {aspect.name}",
                        }
                    ),
                    bound_field_class=ValidatedBoundField,
                )
                cells.append(self[name])
            remove = None
            if examiner.pk in with_saved_scores:
                remove_name = f"remove_{examiner.pk}"
                self.fields[remove_name] = forms.BooleanField(
                    label=_("Remove the saved scores of %(examiner)s") % {"examiner": examiner.full_name},
                    required=False,
                )
                remove = self[remove_name]
            self.grid.append(
                {
                    "examiner": examiner,
                    "panel": self[panel_name],
                    "cells": cells,
                    "remove": remove,
                    "removing": False,
                }
            )

    def clean(self):
        cleaned = super().clean()
        scores = self.scores()
        removed = removed_scores(
            saved=self.saved_scores,
            panel_ids={examiner.pk for examiner in self.panel()},
            scores=scores,
        )
        for row in self.grid:
            examiner = row["examiner"]
            names = [f"score_{examiner.pk}_{aspect.pk}" for aspect in self.aspects]
            if any(name in self.errors for name in names):
                continue  # the score's own error says what is wrong
            panel_name = f"panel_{examiner.pk}"
            on_panel = cleaned.get(panel_name)
            confirmed = cleaned.get(f"remove_{examiner.pk}", False)
            given = [cleaned.get(name) is not None for name in names]
            if examiner.pk in removed:
                row["removing"] = True
                if not confirmed:
                    self.add_error(
                        panel_name,
                        _(
                            "Saving would remove the saved scores of %(examiner)s. Tick “Remove the saved "
                            "scores of %(examiner)s” to confirm, or put the examiner and the scores back."
                        )
                        % {"examiner": examiner.full_name},
                    )
                    continue
            if any(given) and not on_panel and not confirmed:
                self.add_error(panel_name, _("Tick the examiner as on the panel, or remove the scores."))
            elif on_panel and any(given) and not all(given):
                self.add_error(panel_name, _("Give a score for every aspect, or none yet."))
        return cleaned

    def panel(self):
        return [e for e in self.examiners if self.cleaned_data.get(f"panel_{e.pk}")]

    def scores(self):
        return {
            (examiner.pk, aspect.pk): self.cleaned_data.get(f"score_{examiner.pk}_{aspect.pk}")
            for examiner in self.examiners
            for aspect in self.aspects
        }

    def confirmed_removals(self):
        """The ids of the examiners whose saved scores the user confirmed to remove."""
        return {e.pk for e in self.examiners if self.cleaned_data.get(f"remove_{e.pk}")}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        widget=forms.TextInput(attrs={"autofocus": True}),
        help_text=_("Kept with the certificate; for example: name corrected, issued in error."),
    )
