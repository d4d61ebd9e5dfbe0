"""Staff forms: the decision panel, review tasks and extension requests.

Forms validate and normalise input; the services enforce the rules (blockers, roles,
the deal's status) and their `ValidationError`s are put back beside the fields.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reviews.choices import Delivery, NotificationKind
from reviews.models import RejectionReason


def _helper(label: str, css_class: str = "btn-primary") -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.add_input(Submit("submit", label, css_class=f"{css_class} btn-sm"))
    return helper


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError beside the form's fields (others: above the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class AcceptForm(forms.Form):
    """Accept: why, who sells it, and (only when something blocks it) the override reason.

    `blockers` are the messages of `deal_acceptance_blockers`: the override field exists
    only when there are some. The sales owner is required only when the CRM names none.
    """

    reason = forms.CharField(label=_("Reason"), max_length=5000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    sales_owner = forms.ModelChoiceField(label=_("Sales owner"), queryset=None, required=False)
    override_reason = forms.CharField(
        label=_("Override reason"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded and reported: why this deal is accepted past what blocks it."),
    )

    def __init__(self, *args, sales_owners, suggested=None, blockers=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["sales_owner"]
        field.queryset = sales_owners
        field.label_from_instance = lambda user: user.email
        if suggested is not None:
            self.initial.setdefault("sales_owner", suggested.pk)
            field.empty_label = _("The CRM's owner (%(email)s)") % {"email": suggested.email}
            field.help_text = _("The CRM names %(email)s as the account's owner.") % {
                "email": suggested.email}
        else:
            field.required = True
            field.error_messages["required"] = _(
                "The CRM names no owner for this account: choose the sales owner.")
            field.empty_label = _("Choose the sales owner")
            field.help_text = _("The CRM names no owner for this account.")
        self.blockers = list(blockers)
        if not self.blockers:
            del self.fields["override_reason"]
        else:  # the service refuses it too; asking here shows it with the other errors
            self.fields["override_reason"].required = True
            self.fields["override_reason"].error_messages["required"] = _(
                "Accepting past these needs an override reason: %(b)s") % {
                "b": "; ".join(str(m) for m in self.blockers)}
        self.helper = _helper(_("Accept"), "btn-success")


class RejectForm(forms.Form):
    """Reject: a reason from the admin-kept list, the note the partner reads, and an
    internal reason for the record."""

    reason_code = forms.ModelChoiceField(
        label=_("Rejection reason"), queryset=RejectionReason.objects.filter(active=True),
        to_field_name="code", empty_label=_("Choose a reason"),
        error_messages={"required": _("Choose one of the rejection reasons.")},
    )
    note = forms.CharField(
        label=_("Note to the partner"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The partner reads this."),
        error_messages={"required": _("Write a note for the partner: it is what they will read.")},
    )
    reason = forms.CharField(label=_("Internal reason"), max_length=5000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Staff only; the partner never sees it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Reject"), "btn-danger")


class QuestionForm(forms.Form):
    """Needs info: the question the partner is asked (the deal waits for the answer)."""

    question = forms.CharField(label=_("Ask the partner"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send question"))


class TaskAssignForm(forms.Form):
    """Give a task to an active staff user. Choices are passed in as a list so that a
    page with many tasks reads the staff list once."""

    assignee = forms.TypedChoiceField(label=_("Assign to"), coerce=int, choices=())

    def __init__(self, *args, staff_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Choose a person")), *staff_choices]

    def clean_assignee(self):
        user = get_user_model().objects.filter(
            pk=self.cleaned_data["assignee"], is_active=True, is_staff=True).first()
        if user is None:
            raise ValidationError(_("Choose an active vendor staff user."))
        return user


class TaskCloseForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ExtensionDecideForm(forms.Form):
    """Approve or refuse a pending extension request; refusing needs a note."""

    APPROVE, REFUSE = "approve", "refuse"
    # Given by the button pressed (name="decision"), so the form is rendered by hand.
    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))])
    note = forms.CharField(label=_("Note to the partner"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Required to refuse."))

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REFUSE and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the extension is refused."))
        return data


class NotificationPreferencesForm(forms.Form):
    """One delivery choice per kind of notification."""

    def __init__(self, *args, initial_preferences: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices,
                initial=initial_preferences.get(kind.value, Delivery.IMMEDIATE))


# --- Sales handoff (the sales owner's "My handoffs" page) ------------------------------


class _ExternalIdChoiceField(forms.ModelChoiceField):
    """A CRM record typed by its external id (surrounding spaces ignored)."""

    def to_python(self, value):
        return super().to_python(value.strip() if isinstance(value, str) else value)


class HandoffConvertForm(forms.Form):
    """Convert an accepted deal: link an existing CRM opportunity by its external id, or
    leave the id empty to create one (`portal-DR-…`), optionally naming it."""

    opportunity = _ExternalIdChoiceField(
        label=_("Existing opportunity (external id)"), required=False,
        queryset=None, to_field_name="external_id", widget=forms.TextInput,
        help_text=_("Leave empty to create a new opportunity for this deal."),
        error_messages={"invalid_choice": _("No CRM opportunity has this external id.")},
    )
    opportunity_name = forms.CharField(
        label=_("Name of the new opportunity"), max_length=200, required=False,
        help_text=_("Optional; the company and the deal reference otherwise."))

    def __init__(self, *args, **kwargs) -> None:
        from crm.models import Opportunity

        super().__init__(*args, **kwargs)
        self.fields["opportunity"].queryset = Opportunity.objects.all()


class HandoffWonForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount won"), min_value=0, max_digits=14,
                                decimal_places=2)


class HandoffLostForm(forms.Form):
    reason = forms.CharField(label=_("Why was it lost?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
