"""Staff forms for conflict cases, commissions, payout statements and disputes.

They validate and normalise input only; the services in `attribution` enforce the rules
(shares summing to 100.00, roles, windows, states) and their `ValidationError`s are put
back beside these fields.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from attribution.choices import AttributionRole, CommissionStatus, Resolution
from leads.choices import CURRENCY_CHOICES
from partners.models import PartnerOrganization
from reviews.models import RejectionReason

DIRECT = "direct"


def share_target_choices(deals) -> list[tuple[str, str]]:
    """What a share row may credit: one of `deals` (by partner) or direct sales."""
    return [("", _("—")),
            *[(str(d.pk), f"{d.partner.name} ({d.reference})") for d in deals],
            (DIRECT, _("Direct sales"))]


class ShareRowForm(forms.Form):
    """One line of a split: who (a registration or direct sales), the role, the share."""

    target = forms.ChoiceField(label=_("Credited"), required=False, choices=(),
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    role = forms.ChoiceField(label=_("Role"), choices=AttributionRole.choices,
                             initial=AttributionRole.SOURCED,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    share = forms.DecimalField(label=_("Share (%)"), required=False, max_digits=5,
                               decimal_places=2, min_value=Decimal("0.01"),
                               max_value=Decimal("100"), widget=forms.NumberInput(attrs={
                                   "class": "form-control form-control-sm", "step": "0.01"}))

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(targets)

    def clean(self):
        data = super().clean()
        if data.get("target") and data.get("share") is None and not self.has_error("share"):
            self.add_error("share", _("Give this line's share."))
        if data.get("share") is not None and not data.get("target"):
            self.add_error("target", _("Choose who gets this share."))
        return data

    def as_share(self) -> dict | None:
        """The line as the services take it, or None for an empty row."""
        data = self.cleaned_data
        if not data.get("target"):
            return None
        line = {"role": data["role"], "share": str(data["share"])}
        if data["target"] == DIRECT:
            return {"direct": True, **line}
        return {"deal": int(data["target"]), **line}


def share_formset(data=None, *, targets, rows: int = 3, prefix: str = "shares", initial=None):
    """The split rows: `rows` empty ones without JavaScript (static/js/conflict_split.js
    adds more by cloning the formset's empty form)."""
    formset_class = forms.formset_factory(ShareRowForm, extra=rows, max_num=20, absolute_max=20)
    return formset_class(data, prefix=prefix, initial=initial, form_kwargs={"targets": targets})


def shares_of(formset) -> list[dict]:
    return [line for form in formset.forms if (line := form.as_share()) is not None]


class ConflictResolveForm(forms.Form):
    """Resolve a case: one partner, a split (rows in a formset), direct sales, or reject."""

    resolution = forms.ChoiceField(label=_("Resolution"), choices=Resolution.choices,
                                   widget=forms.RadioSelect,
                                   error_messages={"required": _("Choose how to resolve the case.")})
    deal = forms.TypedChoiceField(label=_("Partner credited"), coerce=int, required=False,
                                  choices=(), widget=forms.RadioSelect)
    survivor = forms.TypedChoiceField(
        label=_("Surviving registration"), coerce=int, required=False, empty_value=None,
        choices=(), help_text=_("For a split: default is the holding registration."))
    reason = forms.CharField(label=_("Reason"), max_length=5000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Recorded with the decision (staff only)."))
    reason_code = forms.ModelChoiceField(
        label=_("Rejection reason"), required=False, to_field_name="code",
        queryset=RejectionReason.objects.filter(active=True), empty_label=_("Choose a reason"))
    note = forms.CharField(label=_("Note to the partners"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("For direct sales or reject: what each partner reads."))
    # Service errors about the split rows are shown with them.
    shares = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(d.pk, f"{d.partner.name} ({d.reference})") for d in members]
        self.fields["deal"].choices = choices
        self.fields["survivor"].choices = [("", _("The holding registration")), *choices]


class CommissionApproveForm(forms.Form):
    """Approve as proposed, or give another amount with a reason."""

    amount = forms.DecimalField(label=_("Amount"), required=False, max_digits=14,
                                decimal_places=2,
                                help_text=_("Leave blank to approve the proposed amount."))
    reason = forms.CharField(label=_("Adjustment reason"), max_length=2000, required=False)


class CommissionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *CommissionStatus.choices])
    partner = forms.ModelChoiceField(label=_("Partner"), required=False,
                                     queryset=PartnerOrganization.objects.order_by("name"),
                                     empty_label=_("Any partner"))
    currency = forms.ChoiceField(label=_("Currency"), required=False,
                                 choices=[("", _("Any currency")), *CURRENCY_CHOICES])


class PayoutIssueForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner"),
                                     queryset=PartnerOrganization.objects.order_by("name"),
                                     empty_label=_("Choose a partner"))
    period_start = forms.DateField(label=_("Period start"),
                                   widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period end"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="USD")

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            raise ValidationError({"period_end": _("The period ends before it starts.")})
        return data


class DisputeResolveForm(forms.Form):
    DISMISS, UPHOLD = "dismiss", "uphold"
    outcome = forms.ChoiceField(
        label=_("Outcome"), widget=forms.RadioSelect,
        choices=[(DISMISS, _("Dismiss: the attribution stands")),
                 (UPHOLD, _("Uphold: replace the shares below"))],
        error_messages={"required": _("Dismiss or uphold the dispute.")})
    note = forms.CharField(label=_("Note to the partner"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Explain the outcome to the partner.")})
    shares = forms.CharField(required=False, widget=forms.HiddenInput)
