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


class CapabilityProfileForm(forms.Form):
    """A partner admin's capability profile: capacity, summary and one checkbox list per
    controlled vocabulary (active terms, plus retired ones the profile still claims)."""

    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=0, max_value=1000,
        help_text=_("Vendor leads you can work on at the same time."))
    summary = forms.CharField(label=_("Summary"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, claimed_ids=(), **kwargs):
        from django.db.models import Q

        from partners.choices import VocabularyKind
        from partners.models import Vocabulary

        super().__init__(*args, **kwargs)
        terms = list(Vocabulary.objects.filter(Q(active=True) | Q(pk__in=list(claimed_ids))))
        for kind in VocabularyKind:
            field = forms.ModelMultipleChoiceField(
                label=kind.label, required=False, widget=forms.CheckboxSelectMultiple,
                queryset=Vocabulary.objects.filter(kind=kind).filter(
                    Q(active=True) | Q(pk__in=list(claimed_ids))))
            field.choices = [(t.pk, t.name) for t in terms if t.kind == kind]
            self.fields[f"terms_{kind}"] = field
        self.kinds = list(VocabularyKind)

    def selected_terms(self) -> list:
        from partners.choices import VocabularyKind

        return [t for kind in VocabularyKind for t in self.cleaned_data[f"terms_{kind}"]]


class ProofPointForm(forms.Form):
    """A case study; each classification comes from the controlled vocabularies."""

    title = forms.CharField(label=_("Title"), max_length=200)
    customer_name = forms.CharField(label=_("Customer"), max_length=200, required=False,
                                    help_text=_("Leave blank when the customer may not be named."))
    vertical = forms.ModelChoiceField(label=_("Vertical"), queryset=None)
    use_case = forms.ModelChoiceField(label=_("Use case"), queryset=None, required=False)
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=None, required=False)
    region = forms.ModelChoiceField(label=_("Region"), queryset=None, required=False)
    outcome = forms.CharField(label=_("Outcome"), max_length=3000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    completed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    referenceable = forms.BooleanField(
        label=_("Referenceable: the customer agrees to speak to prospects"), required=False)

    def __init__(self, *args, **kwargs):
        from partners.models import Vocabulary

        super().__init__(*args, **kwargs)
        for name in ("vertical", "use_case", "segment", "region"):
            self.fields[name].queryset = Vocabulary.objects.filter(kind=name, active=True)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save case study")))
