"""Forms for deal registration, withdrawal and answering questions."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from leads.choices import CURRENCY_CHOICES, DEFAULT_CURRENCY, currency_code
from leads.models import Deal, Product
from leads.normalize import normalize_phone, registrable_domain

DEAL_FORM_FIELDS = [
    "company_name", "website", "country", "industry", "company_size",
    "street", "city", "postal_code", "region",
    "contact_name", "contact_title", "contact_email", "contact_phone", "contact_authority",
    "need", "urgency", "timeline", "estimated_value", "currency", "products",
    "introduction_path", "relationship_notes", "customer_consent",
]


class DealForm(forms.ModelForm):
    """The registration form. Validates and normalizes; saving goes through services."""

    products = forms.ModelMultipleChoiceField(
        queryset=Product.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Products"),
    )

    class Meta:
        model = Deal
        fields = DEAL_FORM_FIELDS
        widgets = {
            "need": forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
            "relationship_notes": forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
            "estimated_value": forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
        }
        help_texts = {
            "website": _("The customer's website, e.g. acme.com."),
            "need": _("What the customer wants to solve, and why now."),
            "introduction_path": _("How you came to work with this customer on this need."),
            "relationship_notes": _("Your history with the customer; who you know there."),
            "customer_consent": _("The customer agreed that the vendor may contact them."),
        }

    def __init__(self, *args, required_for_acceptance: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company_name"].required = True
        # A select of ISO 4217 codes: nothing to mistype, and nothing silently cut short
        # the way a 3-character text box cut "Dollars" to "Dol".
        self.fields["currency"] = forms.CharField(
            label=Deal._meta.get_field("currency").verbose_name, required=False,
            widget=forms.Select(choices=CURRENCY_CHOICES),
            initial=self.instance.currency or DEFAULT_CURRENCY,
        )
        for name in required_for_acceptance or []:
            if name in self.fields and not self.fields[name].required:
                self.fields[name].label = f"{self.fields[name].label} ◆"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("End customer"), "company_name", "website",
                     Div(Div("country", css_class="col-md-4"), Div("industry", css_class="col-md-4"),
                         Div("company_size", css_class="col-md-4"), css_class="row"),
                     "street",
                     Div(Div("city", css_class="col-md-4"), Div("postal_code", css_class="col-md-4"),
                         Div("region", css_class="col-md-4"), css_class="row")),
            Fieldset(_("Contact"),
                     Div(Div("contact_name", css_class="col-md-6"), Div("contact_title", css_class="col-md-6"),
                         css_class="row"),
                     Div(Div("contact_email", css_class="col-md-6"), Div("contact_phone", css_class="col-md-6"),
                         css_class="row"),
                     "contact_authority"),
            Fieldset(_("Opportunity"), "need",
                     Div(Div("urgency", css_class="col-md-6"), Div("timeline", css_class="col-md-6"),
                         css_class="row"),
                     Div(Div("estimated_value", css_class="col-md-8"), Div("currency", css_class="col-md-4"),
                         css_class="row"),
                     "products"),
            Fieldset(_("Relationship"), "introduction_path", "relationship_notes", "customer_consent"),
            HTML('<p class="text-body-secondary small">{% load i18n %}'
                 '{% trans "◆ the program requires this before a deal can be accepted." %}</p>'),
        )

    @property
    def submit_required_labels(self) -> list[str]:
        """Labels of the fields a draft needs before it can be submitted (the page lists
        them beside the program's required-for-acceptance fields)."""
        from leads.services import SUBMIT_REQUIRED_FIELDS

        return [str(self.fields[name].label).rstrip(" ◆") for name in SUBMIT_REQUIRED_FIELDS
                if name in self.fields]

    def clean_company_name(self) -> str:
        value = self.cleaned_data["company_name"].strip()
        if not any(ch.isalnum() for ch in value):
            raise forms.ValidationError(_("Enter the customer's company name."))
        return value

    def clean_website(self) -> str:
        value = self.cleaned_data["website"].strip()
        if value and not registrable_domain(value):
            raise forms.ValidationError(
                _("Enter the company's own website or domain, such as acme.com.")
            )
        return value

    def clean_currency(self) -> str:
        value = self.cleaned_data.get("currency") or ""
        if not value.strip():
            return DEFAULT_CURRENCY
        code = currency_code(value)
        if code is None:
            raise forms.ValidationError(
                _("Choose an ISO 4217 currency code, such as USD or EUR (not “%(value)s”).")
                % {"value": value.strip()[:40]})
        return code

    def clean(self) -> dict:
        cleaned = super().clean()
        phone = cleaned.get("contact_phone", "")
        if phone and not normalize_phone(phone, str(cleaned.get("country") or "")):
            self.add_error(
                "contact_phone",
                _("Enter a valid phone number, with the country code if it is abroad."),
            )
        return cleaned

    def raw_input(self) -> dict:
        """What the partner typed, field by field, before cleaning."""
        return {name: (self.data.getlist(name) if name == "products" else self.data.get(name, ""))
                for name in DEAL_FORM_FIELDS if name in self.data}


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing this registration?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the deal need more time?"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
