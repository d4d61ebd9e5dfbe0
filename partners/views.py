"""Partner organization pages: profile and API token, members and their roles, invitations,
rules."""

from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from partnerportal.decorators import partner_member_required, staff_required
from partnerportal.exceptions import ApplicationError
from partnerportal.forms import add_service_error
from partners import selectors, services
from partners.adapters import INVITATION_SESSION_KEY
from partners.choices import REVIEWER_ROLES, MemberRole, VocabularyKind
from partners.forms import (
    CapabilityProfileForm,
    InvitationForm,
    MemberDeactivateForm,
    MemberRoleForm,
    ProofPointForm,
)
from partners.models import AgreementAcceptance, PartnerOrganization, ProofPoint


@require_GET
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's profile: organization, role, second factor, API token."""
    token = Token.objects.filter(user=request.user).first()
    context = {
        "token": token,
        "new_token": request.session.pop("new_api_token", None),
        "mfa_enabled": is_mfa_enabled(request.user, ["totp"]),
    }
    return render(request, "partners/profile.html", context)


@require_POST
@login_required
def api_token(request: HttpRequest) -> HttpResponse:
    """Create, replace or revoke the user's API token. The key is shown once."""
    action = request.POST.get("action")
    if action == "revoke":
        services.api_token_revoke(actor=request.user)
        messages.success(request, _("API token revoked."))
    elif action == "create":
        token = services.api_token_rotate(actor=request.user)
        request.session["new_api_token"] = token.key
        messages.success(request, _("New API token created. Copy it now; it will not be shown again."))
    return redirect("partners:profile")


@require_http_methods(["GET", "POST"])
@partner_member_required(role=MemberRole.ADMIN)
def member_list(request: HttpRequest) -> HttpResponse:
    """Members and pending invitations; partner admins invite colleagues here."""
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                partner=request.partner, actor=request.user,
                email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                accept_base_url=request.build_absolute_uri("/"),
            )
            messages.success(request, _("Invitation sent to %(e)s.") % {"e": form.cleaned_data["email"]})
            return redirect("partners:member-list")
        except ApplicationError as error:
            add_service_error(form, error)
    context = {
        "form": form,
        "members": selectors.member_list_with_open_deals(partner=request.partner),
        "roles": MemberRole.choices,
        "invitations": selectors.invitation_list(partner=request.partner),
    }
    return render(request, "partners/member_list.html", context)


@require_POST
@partner_member_required(role=MemberRole.ADMIN)
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a member an admin or a rep (the organization keeps at least one admin)."""
    membership = selectors.member_get(partner=request.partner, pk=pk)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("partners:member-list")
    try:
        services.member_role_change(partner=request.partner, actor=request.user,
                                    membership=membership, role=form.cleaned_data["role"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(e)s is now a %(r)s.") % {
            "e": membership.user.email, "r": MemberRole(form.cleaned_data["role"]).label})
    return redirect("partners:member-list")


@require_http_methods(["GET", "POST"])
@partner_member_required(role=MemberRole.ADMIN)
def member_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm that a member leaves, and pick who takes over their open deals."""
    membership = selectors.member_get(partner=request.partner, pk=pk)
    open_deals = (selectors.member_list_with_open_deals(partner=request.partner)
                  .get(pk=membership.pk).open_deals)
    candidates = selectors.member_takeover_candidates(partner=request.partner, leaving=membership)
    data = request.POST if request.method == "POST" else None  # an empty POST is a bound form
    form = MemberDeactivateForm(data, candidates=candidates, open_deals=open_deals)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.member_deactivate(
                partner=request.partner, actor=request.user, membership=membership,
                reassign_to=form.cleaned_data.get("reassign_to"),
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(e)s was deactivated; %(n)s open deals were reassigned.")
                             % {"e": membership.user.email, "n": moved})
            return redirect("partners:member-list")
    context = {"member": membership, "open_deals": open_deals, "form": form}
    return render(request, "partners/member_deactivate.html", context)


@require_POST
@partner_member_required(role=MemberRole.ADMIN)
def member_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Let a deactivated member sign in again."""
    membership = selectors.member_get(partner=request.partner, pk=pk)
    try:
        services.member_reactivate(partner=request.partner, actor=request.user,
                                   membership=membership)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(e)s can sign in again.") % {"e": membership.user.email})
    return redirect("partners:member-list")


@require_POST
@partner_member_required(role=MemberRole.ADMIN)
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.invitation_list(partner=request.partner).filter(pk=pk).first()
    if invitation is None:
        raise Http404
    services.invitation_revoke(partner=request.partner, actor=request.user, invitation=invitation)
    messages.success(request, _("Invitation revoked."))
    return redirect("partners:member-list")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Follow an invitation link: sign up with the invited address, or join when signed in."""
    invitation = selectors.invitation_get_pending(token=token)
    if invitation is None:
        return render(request, "partners/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
                return redirect("home")
            messages.success(request, _("You joined %(p)s.") % {"p": invitation.partner.name})
            return redirect("home")
        return render(request, "partners/invitation_accept.html", {"invitation": invitation})
    # The link arrived at this address, so it counts as verified for the sign-up.
    request.session[INVITATION_SESSION_KEY] = invitation.token
    get_account_adapter(request).stash_verified_email(request, invitation.email)
    return redirect(f"{reverse('account_signup')}?{urlencode({'email': invitation.email})}")


@require_GET
@login_required
def rules_of_engagement(request: HttpRequest) -> HttpResponse:
    """The program's published rules: tiers, acceptance requirements, windows and SLAs."""
    from distribution.matching import rules_text

    context = {"rules": selectors.program_rules_get(), "tiers": selectors.tier_list(),
               "distribution": rules_text()}
    return render(request, "partners/rules.html", context)


# --- capability profile, case studies, agreement (issue 14) ---------------------------------


def _profile_context(request: HttpRequest, form=None) -> dict:
    from distribution.matching import scorecard

    partner = request.partner
    profile = selectors.capability_profile_get(partner)
    claims = list(profile.claims.all()) if profile else []
    by_kind = [(kind.label, [c for c in claims if c.term.kind == kind]) for kind in VocabularyKind]
    return {"profile": profile, "claims_by_kind": by_kind, "form": form,
            "proof_points": selectors.proof_point_list(partner),
            "card": scorecard(partner=partner) if profile else None,
            "agreement_needed": selectors.agreement_needed(partner)}


@require_http_methods(["GET", "POST"])
@partner_member_required
def capabilities(request: HttpRequest) -> HttpResponse:
    """The organization's capability profile, case studies and matching scorecard; partner
    admins edit the profile here (reps read it)."""
    partner = request.partner
    profile = selectors.capability_profile_get(partner)
    claimed = [c.term_id for c in profile.claims.all()] if profile else []
    initial = {"capacity": profile.capacity if profile else 3,
               "summary": profile.summary if profile else ""}
    form = None
    if request.membership.is_admin:
        form = CapabilityProfileForm(request.POST or None, initial=initial, claimed_ids=claimed)
        for name in form.fields:
            if name.startswith("terms_"):
                form.initial[name] = claimed
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_save(partner=partner, actor=request.user,
                                  capacity=form.cleaned_data["capacity"],
                                  summary=form.cleaned_data["summary"], terms=form.selected_terms())
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Capability profile saved. New claims wait for your "
                                        "partner owner's verification."))
            return redirect("partners:capabilities")
    return render(request, "partners/profile_capabilities.html", _profile_context(request, form))


@require_http_methods(["GET", "POST"])
@partner_member_required(role=MemberRole.ADMIN)
def proof_point_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add (no pk) or edit a case study of the admin's own organization."""
    point = get_object_or_404(ProofPoint.objects.for_partner(request.partner), pk=pk) if pk else None
    initial = {f: getattr(point, f) for f in ProofPointForm.base_fields} if point else None
    form = ProofPointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.proof_point_save(partner=request.partner, actor=request.user,
                                      data=form.cleaned_data, proof_point=point)
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Case study saved; it counts fully once verified."))
            return redirect("partners:capabilities")
    return render(request, "partners/profile_proof_point.html", {"form": form, "point": point})


@require_POST
@partner_member_required(role=MemberRole.ADMIN)
def proof_point_delete(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_object_or_404(ProofPoint.objects.for_partner(request.partner), pk=pk)
    services.proof_point_delete(partner=request.partner, actor=request.user, proof_point=point)
    messages.success(request, _("Case study removed."))
    return redirect("partners:capabilities")


@require_http_methods(["GET", "POST"])
@partner_member_required
def agreement(request: HttpRequest) -> HttpResponse:
    """The current program agreement; a partner admin accepts it for the organization."""
    current = selectors.agreement_current()
    acceptance = (AgreementAcceptance.objects.for_partner(request.partner)
                  .filter(version=current).select_related("accepted_by").first()
                  if current else None)
    if request.method == "POST":
        if not request.membership.is_admin:
            raise PermissionDenied
        if current is None or str(current.pk) != request.POST.get("version"):
            messages.error(request, _("The agreement changed while you were reading it; "
                                      "read the current version."))
            return redirect("partners:agreement")
        services.agreement_accept(partner=request.partner, actor=request.user, version=current)
        messages.success(request, _("Agreement accepted for your organization."))
        return redirect("partners:agreement")
    return render(request, "partners/profile_agreement.html",
                  {"agreement": current, "acceptance": acceptance})


@require_http_methods(["GET", "POST"])
@staff_required(roles=REVIEWER_ROLES)
def staff_partner_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """A partner owner checks an organization's claims and case studies and verifies them
    (the ticked ones, or all)."""
    partner = get_object_or_404(PartnerOrganization, pk=pk)
    profile = selectors.capability_profile_get(partner)
    if request.method == "POST" and profile is not None:
        every = request.POST.get("all") == "1"
        services.profile_verify(
            actor=request.user, partner=partner,
            claim_ids=None if every else request.POST.getlist("claim"),
            proof_point_ids=None if every else request.POST.getlist("proof_point"))
        messages.success(request, _("Verified."))
        return redirect("reviews:partner-profile", pk=partner.pk)
    from distribution.matching import scorecard

    claims = list(profile.claims.all()) if profile else []
    return render(request, "partners/profile_staff.html", {
        "partner": partner, "profile": profile,
        "claims_by_kind": [(k.label, [c for c in claims if c.term.kind == k]) for k in VocabularyKind],
        "proof_points": selectors.proof_point_list(partner),
        "card": scorecard(partner=partner) if profile else None,
        "agreement_needed": selectors.agreement_needed(partner)})
