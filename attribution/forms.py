"""Partner forms for attribution: a dispute with its attachments."""

from django import forms
from django.utils.translation import gettext_lazy as _

from attribution.choices import CommissionStatus
from attribution.disputes import ATTACHMENT_MAX_FILES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; the dispute service checks type, size and content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,.txt,.csv,application/pdf,image/png,image/jpeg,"
                             "text/plain,text/csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class DisputeForm(forms.Form):
    """Why the partner disputes its attribution, with up to five supporting files."""

    text = forms.CharField(
        label=_("What do you dispute, and why?"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 5000}),
    )
    attachments = MultipleFileField(
        label=_("Attachments"), required=False,
        help_text=_("Up to 5 files: PDF, PNG, JPEG, TXT or CSV, at most 5 MB each."),
    )

    def clean_attachments(self) -> list:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > ATTACHMENT_MAX_FILES:
            raise forms.ValidationError(_("Attach at most 5 files."))
        return files


class CommissionFilterForm(forms.Form):
    """The partner's commission list, optionally narrowed to one status."""

    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("All"))] + list(CommissionStatus.choices),
    )
