"""State changes for partner organizations: invitations and memberships."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from audit.services import audit_record
from partnerportal.exceptions import ApplicationError, NotAllowed
from partners.models import Invitation, Membership, PartnerOrganization
from partners.selectors import membership_for_user

User = get_user_model()


def _require_admin(*, partner: PartnerOrganization, actor) -> None:
    membership = getattr(actor, "membership", None)
    if membership is None or membership.partner_id != partner.pk or not membership.is_admin:
        raise NotAllowed(_("Only a partner admin of this organization can do that."))


def _send_invitation_mail(invitation: Invitation, accept_url: str) -> None:
    context = {"invitation": invitation, "accept_url": accept_url, "site_name": settings.SITE_NAME}
    send_mail(
        subject=render_to_string("emails/invitation_subject.txt", context).strip(),
        message=render_to_string("emails/invitation_body.txt", context),
        html_message=render_to_string("emails/invitation_body.html", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def invitation_create(
    *, partner: PartnerOrganization, actor, email: str, role: str, accept_base_url: str
) -> Invitation:
    """Invite `email` into `partner` with `role`, replacing any pending invitation.

    Only the organization's admins may invite. The e-mail goes out after commit.
    """
    _require_admin(partner=partner, actor=actor)
    email = email.strip().lower()
    if Membership.objects.filter(user__email__iexact=email).exists():
        raise ApplicationError(
            _("This person already has a partner portal account."), field="email"
        )
    with transaction.atomic():
        now = timezone.now()
        Invitation.objects.for_partner(partner).pending().filter(email__iexact=email).update(
            revoked_at=now
        )
        invitation = Invitation(partner=partner, email=email, role=role, invited_by=actor)
        invitation.full_clean()
        invitation.save()
        audit_record(
            actor=actor,
            action="invitation.create",
            target=invitation,
            after={"email": email, "role": role},
        )
        accept_url = accept_base_url.rstrip("/") + invitation.get_absolute_url()
        transaction.on_commit(lambda: _send_invitation_mail(invitation, accept_url))
    return invitation


def invitation_revoke(*, partner: PartnerOrganization, actor, invitation: Invitation) -> None:
    """Withdraw a pending invitation of the actor's own organization."""
    _require_admin(partner=partner, actor=actor)
    if invitation.partner_id != partner.pk:
        raise NotAllowed(_("Not your organization's invitation."))
    with transaction.atomic():
        updated = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if updated != 1:
            raise ApplicationError(_("This invitation is no longer pending."))
        audit_record(actor=actor, action="invitation.revoke", target=invitation)


def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Make `user` a member of the invitation's organization, once.

    The invitation is claimed with a conditional update so a link used twice (or by two
    browsers at once) creates one membership.
    """
    if user.email.lower() != invitation.email.lower():
        raise ApplicationError(_("This invitation was sent to a different e-mail address."))
    if Membership.objects.filter(user=user).exists():
        raise ApplicationError(_("You already belong to a partner organization."))
    with transaction.atomic():
        claimed = Invitation.objects.pending().filter(pk=invitation.pk).update(
            accepted_at=timezone.now()
        )
        if claimed != 1:
            raise ApplicationError(_("This invitation has expired or was already used."))
        membership = Membership(user=user, partner=invitation.partner, role=invitation.role)
        membership.full_clean()
        membership.save()
        audit_record(
            actor=user,
            action="membership.create",
            target=membership,
            partner=invitation.partner,
            after={"role": invitation.role, "invitation": invitation.pk},
        )
    return membership


def _partner_of(user) -> PartnerOrganization | None:
    membership = membership_for_user(user=user)
    return membership.partner if membership else None


def api_token_rotate(*, actor) -> Token:
    """Replace the user's API token with a new one (the old key stops working at once)."""
    with transaction.atomic():
        Token.objects.filter(user=actor).delete()
        token = Token.objects.create(user=actor)
        audit_record(actor=actor, action="api_token.create", target=actor, partner=_partner_of(actor))
    return token


def api_token_revoke(*, actor) -> None:
    """Delete the user's API token, if any."""
    with transaction.atomic():
        deleted, _rows = Token.objects.filter(user=actor).delete()
        if deleted:
            audit_record(actor=actor, action="api_token.revoke", target=actor, partner=_partner_of(actor))
