"""The staff upload form of a CRM import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.choices import ImportKind


class CrmImportForm(forms.Form):
    """What the file holds, and the file. The service checks size and content."""

    kind = forms.ChoiceField(label=_("The file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,text/csv,text/plain"}
        ),
    )
