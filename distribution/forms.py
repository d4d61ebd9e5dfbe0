"""Forms for vendor leads (staff), offers (staff and partner) and outcome reports."""

from django import forms
from django.utils.translation import gettext_lazy as _

from distribution.choices import OutcomeStage
from distribution.models import VendorLead
from leads.choices import CURRENCY_CHOICES, DEFAULT_CURRENCY
from leads.models import Product
from partners.choices import VocabularyKind
from partners.models import Vocabulary

VENDOR_LEAD_FIELDS = [
    "company_name", "website", "country", "industry", "company_size",
    "contact_name", "contact_title", "contact_email", "contact_phone",
    "need", "use_case_text", "terms", "urgency", "estimated_value", "currency", "products",
    "summary", "next_steps",
]


class TermsField(forms.ModelMultipleChoiceField):
    """The lead's needs from the controlled vocabularies, labelled with their kind."""

    def label_from_instance(self, obj: Vocabulary) -> str:
        return f"{VocabularyKind(obj.kind).label}: {obj.name}"


class VendorLeadForm(forms.ModelForm):
    """A vendor lead as staff type it (or as a CSV row gives it). Validation only:
    `distribution.services.vendor_lead_create` saves it."""

    terms = TermsField(
        queryset=Vocabulary.objects.filter(active=True).order_by("kind", "position", "name"),
        required=False, label=_("Needs (vertical, segment, use case, region, language, "
                                "capabilities)"),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    products = forms.ModelMultipleChoiceField(
        queryset=Product.objects.filter(active=True), required=False,
        widget=forms.CheckboxSelectMultiple, label=_("Products"))
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial=DEFAULT_CURRENCY,
                                 label=_("currency"))

    class Meta:
        model = VendorLead
        fields = VENDOR_LEAD_FIELDS
        widgets = {
            "need": forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
            "summary": forms.Textarea(attrs={"rows": 3, "maxlength": 3000}),
            "next_steps": forms.Textarea(attrs={"rows": 3, "maxlength": 3000}),
            "estimated_value": forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
        }
        help_texts = {
            "summary": _("What the partner reads before accepting; left empty, it is built "
                         "from the company fields. Never put the contact's details here."),
            "next_steps": _("What the partner should do first once it accepts."),
        }

    def model_fields(self) -> dict:
        """The plain model fields for the service (many-to-many kept apart)."""
        return {k: v for k, v in self.cleaned_data.items() if k not in {"terms", "products"}}


class VendorLeadImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}))


class OfferOverrideForm(forms.Form):
    """Offer the lead to another candidate than the top one: a reason is required."""

    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int, choices=())
    override_reason = forms.CharField(
        label=_("Why this partner and not the top recommendation?"), required=False,
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, candidates: list[dict] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [
            (c["partner"], f"{c['rank']}. {c['name']} ({c['score']}/100)") for c in candidates]


class OfferDeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why do you decline?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class OutcomeReportForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=OutcomeStage.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=3000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    lost_reason = forms.CharField(label=_("Why was it lost?"), required=False,
                                  max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("stage") == OutcomeStage.LOST and not (data.get("lost_reason") or "").strip():
            self.add_error("lost_reason", _("Say why the deal was lost."))
        return data
