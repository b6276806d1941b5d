from django import forms
from django.utils.translation import gettext_lazy as _

from participants.spreadsheets import max_upload_bytes
from programs.models import Program


class ImportUploadForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.select_related("program_type").order_by("-start_date", "title"),
        help_text=_("The participants are enrolled in this program."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or Windows-1252) or XLSX with the template's columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; the limit is %(limit).1f MB."),
                code="too_large",
                params={"size": upload.size / 1024 / 1024, "limit": limit / 1024 / 1024},
            )
        return upload
