"""Partner organization pages: profile and API token, members and their roles, invitations,
rules."""

from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from partnerportal.decorators import partner_member_required
from partnerportal.exceptions import ApplicationError
from partnerportal.forms import add_service_error
from partners import selectors, services
from partners.adapters import INVITATION_SESSION_KEY
from partners.choices import MemberRole
from partners.forms import InvitationForm, MemberDeactivateForm, MemberRoleForm


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
    context = {"rules": selectors.program_rules_get(), "tiers": selectors.tier_list()}
    return render(request, "partners/rules.html", context)
