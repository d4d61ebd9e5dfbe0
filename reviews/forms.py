"""Staff forms."""

from django import forms
from django.utils.translation import gettext_lazy as _


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Ask the partner"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))
