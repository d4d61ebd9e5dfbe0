"""Partner organization pages: profile and API token, members, invitations, rules."""

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
from partners.forms import InvitationForm


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
        "members": selectors.member_list(partner=request.partner),
        "invitations": selectors.invitation_list(partner=request.partner),
    }
    return render(request, "partners/member_list.html", context)


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
