"""Forms for inviting colleagues and managing members."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from partners.choices import MemberRole


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.REP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("invite", _("Send invitation")))


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)


class MemberDeactivateForm(forms.Form):
    """Who takes over the leaving member's open deals (asked only when there are some)."""

    reassign_to = forms.ModelChoiceField(
        label=_("Hand their open deals to"), queryset=None, empty_label=_("Choose a member")
    )

    def __init__(self, *args, candidates, open_deals: int, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reassign_to"]
        field.queryset = candidates
        field.label_from_instance = lambda user: user.email
        if not open_deals:
            del self.fields["reassign_to"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("deactivate", _("Deactivate"), css_class="btn-danger"))
