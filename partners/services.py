"""State changes for partner organizations: invitations, memberships and their roles."""

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
from partners.choices import MemberRole
from partners.models import (
    AgreementAcceptance,
    AgreementVersion,
    CapabilityClaim,
    CapabilityProfile,
    Invitation,
    Membership,
    PartnerOrganization,
    ProofPoint,
)
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


def _lock_members(*, partner: PartnerOrganization, actor, membership: Membership) -> Membership:
    """Check the actor may manage `membership`; lock the organization's memberships.

    Locking every membership of the organization (a handful of rows) makes the "last admin"
    rule hold when two admins demote or deactivate each other at the same moment.
    """
    _require_admin(partner=partner, actor=actor)
    if membership.partner_id != partner.pk:
        raise NotAllowed(_("Not a member of your organization."))
    locked = {
        m.pk: m
        for m in Membership.objects.select_for_update().filter(partner=partner).order_by("pk")
    }
    return Membership.objects.select_related("user").get(pk=locked[membership.pk].pk)


def _other_active_admins(*, partner: PartnerOrganization, membership: Membership) -> bool:
    return (
        Membership.objects.filter(partner=partner, role=MemberRole.ADMIN, user__is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    )


def member_role_change(
    *, partner: PartnerOrganization, actor, membership: Membership, role: str
) -> Membership:
    """A partner admin makes a member an admin or a rep.

    The organization always keeps an active admin: demoting the last one is refused.
    """
    if role not in MemberRole.values:
        raise ApplicationError(_("Choose a role."), field="role")
    with transaction.atomic():
        membership = _lock_members(partner=partner, actor=actor, membership=membership)
        previous = membership.role
        if previous == role:
            return membership
        if previous == MemberRole.ADMIN and not _other_active_admins(
            partner=partner, membership=membership
        ):
            raise ApplicationError(
                _("An organization needs an admin: make someone else an admin first."),
                field="role",
            )
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
        audit_record(
            actor=actor, action="membership.role_change", target=membership,
            before={"role": previous}, after={"role": role},
        )
    return membership


def _can_take_over(*, partner: PartnerOrganization, user, leaving) -> bool:
    if user is None or user.pk == leaving.pk or not user.is_active:
        return False
    return Membership.objects.filter(partner=partner, user_id=user.pk).exists()


def member_deactivate(
    *, partner: PartnerOrganization, actor, membership: Membership, reassign_to=None
) -> int:
    """A member leaves: they can no longer sign in or use the API, their deals move on.

    Sets the user inactive (sign-in, sessions and DRF tokens all refuse inactive users) and
    deletes their API tokens; every deal they own that is not closed is handed to
    `reassign_to` (an active member of the organization), each with its own audit event.
    An admin cannot deactivate themselves or the last active admin. Returns how many deals
    were reassigned.
    """
    from leads.choices import CLOSED_STATUSES
    from leads.models import Deal
    from leads.services import deal_reassign_owner

    if membership.user_id == actor.pk:
        raise ApplicationError(_("You cannot deactivate yourself."))
    with transaction.atomic():
        membership = _lock_members(partner=partner, actor=actor, membership=membership)
        user = membership.user
        if not user.is_active:
            raise ApplicationError(_("This member is already deactivated."))
        if membership.is_admin and not _other_active_admins(partner=partner, membership=membership):
            raise ApplicationError(_("You cannot deactivate the last admin."))
        open_deals = list(
            Deal.objects.for_partner(partner).filter(owner=user)
            .exclude(status__in=CLOSED_STATUSES).select_for_update().order_by("pk")
        )
        if open_deals and not _can_take_over(partner=partner, user=reassign_to, leaving=user):
            raise ApplicationError(
                _("Choose an active member of your organization to take over this member's "
                  "open deals."), field="reassign_to",
            )
        user.is_active = False
        user.save(update_fields=["is_active"])
        tokens, _rows = Token.objects.filter(user=user).delete()
        audit_record(
            actor=actor, action="membership.deactivate", target=membership,
            before={"active": True}, after={
                "active": False, "api_tokens_deleted": tokens, "deals_reassigned": len(open_deals),
                "reassigned_to_id": reassign_to.pk if open_deals else None,
            },
        )
        for deal in open_deals:
            deal_reassign_owner(partner=partner, actor=actor, deal=deal, owner=reassign_to)
    return len(open_deals)


def member_reactivate(*, partner: PartnerOrganization, actor, membership: Membership) -> Membership:
    """A partner admin lets a deactivated member sign in again (with a new API token later).

    Deals reassigned when they left stay with their new owners.
    """
    with transaction.atomic():
        membership = _lock_members(partner=partner, actor=actor, membership=membership)
        user = membership.user
        if user.is_active:
            raise ApplicationError(_("This member is active."))
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor, action="membership.reactivate", target=membership,
            before={"active": False}, after={"active": True},
        )
    return membership


# --- capability profiles, proof points, agreements (issue 14) -------------------------------


def _require_partner_owner(actor) -> None:
    from partners.choices import REVIEWER_ROLES
    from partners.selectors import user_staff_roles

    if not getattr(actor, "is_staff", False) or not (user_staff_roles(user=actor) & REVIEWER_ROLES):
        raise NotAllowed(_("Only a partner owner or program admin can verify profiles."))


def _profile_snapshot(profile) -> dict:
    return {"capacity": profile.capacity, "summary": profile.summary,
            "terms": sorted(f"{c.term.kind}:{c.term.name}{'' if c.is_verified else ' (unverified)'}"
                            for c in profile.claims.select_related("term"))}


def _term_list(term_ids: list[int]) -> str:
    return "".join(f"|{t}" for t in sorted(term_ids)) + "|" if term_ids else ""


def _term_bits(term_ids: list[int]) -> bytes:
    """The term ids as a bitmap: bit t % 8 of byte t // 8 (PostgreSQL's get_bit order)."""
    out = bytearray(max(term_ids) // 8 + 1 if term_ids else 0)
    for t in term_ids:
        out[t >> 3] |= 1 << (t & 7)
    return bytes(out)


_TERM_FIELDS = ["terms_verified", "terms_unverified", "terms_verified_bits",
                "terms_unverified_bits"]


def profile_terms_refresh(*, partner_ids=None) -> int:
    """Recompute the profiles' derived term lists (`terms_verified`, `terms_unverified`
    and their bitmaps `terms_verified_bits`, `terms_unverified_bits`) from their claims: of the organizations in `partner_ids`, or of every profile (the
    backfill: `manage.py matching_terms_rebuild`). The services that change claims call it
    in their own transaction. Two queries and one update per 1,000 changed profiles;
    returns how many profiles changed.
    """
    profiles = CapabilityProfile.objects.all()
    claims = CapabilityClaim.objects.all()
    if partner_ids is not None:
        partner_ids = list(partner_ids)
        profiles = profiles.filter(partner_id__in=partner_ids)
        claims = claims.filter(partner_id__in=partner_ids)
    lists: dict[int, tuple[list[int], list[int]]] = {}
    for partner_id, term_id, verified_at in claims.values_list(
            "partner_id", "term_id", "verified_at").order_by():
        lists.setdefault(partner_id, ([], []))[0 if verified_at else 1].append(term_id)
    changed = []
    for pk, partner_id, *was in profiles.values_list("pk", "partner_id", *_TERM_FIELDS
                                                     ).order_by():
        verified, unverified = lists.get(partner_id, ([], []))
        now = (_term_list(verified), _term_list(unverified), _term_bits(verified),
               _term_bits(unverified))
        was[2:] = [bytes(b) for b in was[2:]]  # memoryview on PostgreSQL
        if now != tuple(was):
            changed.append(CapabilityProfile(pk=pk, **dict(zip(_TERM_FIELDS, now, strict=True))))
    CapabilityProfile.objects.bulk_update(changed, _TERM_FIELDS, batch_size=1000)
    return len(changed)


def profile_save(*, partner: PartnerOrganization, actor, capacity: int, summary: str,
                 terms) -> CapabilityProfile:
    """Create or update `partner`'s capability profile (partner admins only). Audited.

    Claims that stay keep their verification; new claims start unverified; claims left out
    are removed. The profile-level `verified_at` (last check by a partner owner) is kept.
    """
    _require_admin(partner=partner, actor=actor)
    terms = list(terms)
    inactive = [t.name for t in terms if not t.active]
    with transaction.atomic():
        profile, _created = CapabilityProfile.objects.select_for_update().get_or_create(
            partner=partner)
        before = _profile_snapshot(profile)
        wanted = {t.pk for t in terms}
        current = set(profile.claims.values_list("term_id", flat=True))
        if inactive and not {t.pk for t in terms if not t.active} <= current:
            raise ApplicationError(_("These terms are retired: %(t)s.") % {"t": ", ".join(inactive)})
        profile.capacity, profile.summary, profile.updated_by = capacity, summary, actor
        profile.full_clean()
        profile.save()
        profile.claims.exclude(term_id__in=wanted).delete()
        CapabilityClaim.objects.bulk_create([
            CapabilityClaim(partner=partner, profile=profile, term_id=pk)
            for pk in wanted - current])
        profile_terms_refresh(partner_ids=[partner.pk])
        profile.refresh_from_db(fields=_TERM_FIELDS)
        audit_record(actor=actor, action="capability_profile.save", target=profile,
                     before=before, after=_profile_snapshot(profile), partner=partner)
    return profile


def profile_verify(*, actor, partner: PartnerOrganization, claim_ids=None,
                   proof_point_ids=None) -> CapabilityProfile:
    """A partner owner verifies `partner`'s claims and case studies (all unverified ones,
    or those named). Verified claims count fully in matching. Audited."""
    _require_partner_owner(actor)
    now = timezone.now()
    with transaction.atomic():
        profile = CapabilityProfile.objects.select_for_update().get(partner=partner)
        claims = profile.claims.filter(verified_at__isnull=True)
        points = partner.proof_points.filter(verified_at__isnull=True)
        if claim_ids is not None:
            claims = claims.filter(pk__in=claim_ids)
        if proof_point_ids is not None:
            points = points.filter(pk__in=proof_point_ids)
        verified = {"claims": sorted(claims.values_list("term__name", flat=True)),
                    "proof_points": sorted(points.values_list("title", flat=True))}
        claims.update(verified_at=now, verified_by=actor)
        points.update(verified_at=now, verified_by=actor)
        profile_terms_refresh(partner_ids=[partner.pk])
        profile.verified_at, profile.verified_by = now, actor
        profile.save(update_fields=["verified_at", "verified_by", "updated_at"])
        audit_record(actor=actor, action="capability_profile.verify", target=profile,
                     after=verified, partner=partner)
    return profile


_PROOF_FIELDS = ["title", "customer_name", "vertical", "use_case", "segment", "region",
                 "outcome", "completed_on", "referenceable"]


def _proof_snapshot(point) -> dict:
    return {f: str(getattr(point, f) or "") for f in _PROOF_FIELDS} | {
        "verified": point.is_verified}


def proof_point_save(*, partner: PartnerOrganization, actor, data: dict,
                     proof_point=None) -> ProofPoint:
    """Add or edit a case study (partner admins only). An edit clears its verification.
    Raises ValidationError naming the field. Audited."""
    _require_admin(partner=partner, actor=actor)
    if proof_point is not None and proof_point.partner_id != partner.pk:
        raise NotAllowed(_("This case study belongs to another organization."))
    with transaction.atomic():
        point = proof_point or ProofPoint(partner=partner, created_by=actor)
        before = _proof_snapshot(point) if point.pk else None
        for field in _PROOF_FIELDS:
            if field in data:
                setattr(point, field, data[field])
        point.verified_at, point.verified_by = None, None
        point.full_clean()
        point.save()
        audit_record(actor=actor, action="proof_point.save", target=point, before=before,
                     after=_proof_snapshot(point), partner=partner)
    return point


def proof_point_delete(*, partner: PartnerOrganization, actor, proof_point) -> None:
    """Remove a case study (partner admins only). Audited."""
    _require_admin(partner=partner, actor=actor)
    if proof_point.partner_id != partner.pk:
        raise NotAllowed(_("This case study belongs to another organization."))
    with transaction.atomic():
        audit_record(actor=actor, action="proof_point.delete", target=proof_point,
                     before=_proof_snapshot(proof_point), partner=partner)
        proof_point.delete()


def agreement_accept(*, partner: PartnerOrganization, actor, version) -> AgreementAcceptance:
    """A partner admin accepts the current program agreement for the organization.
    Idempotent: accepting a version twice keeps the first acceptance. Audited."""
    _require_admin(partner=partner, actor=actor)
    with transaction.atomic():
        current = AgreementVersion.objects.select_for_update().filter(
            pk=version.pk, is_current=True).first()
        if current is None:
            raise ApplicationError(_("This agreement version is no longer current; read the "
                                     "current one."))
        acceptance, created = AgreementAcceptance.objects.get_or_create(
            partner=partner, version=current, defaults={"accepted_by": actor})
        if created:
            audit_record(actor=actor, action="agreement.accept", target=acceptance,
                         after={"version": current.version, "title": current.title},
                         partner=partner)
    return acceptance


def agreement_publish(*, actor, version) -> AgreementVersion:
    """Make `version` the current program agreement: every partner admin is asked to accept
    it, and organizations that have not are not offered vendor leads. Audited."""
    if not getattr(actor, "is_staff", False):
        raise NotAllowed(_("Only vendor staff can publish agreements."))
    with transaction.atomic():
        previous = list(AgreementVersion.objects.select_for_update().filter(is_current=True)
                        .exclude(pk=version.pk).values_list("version", flat=True))
        AgreementVersion.objects.filter(is_current=True).exclude(pk=version.pk).update(
            is_current=False)
        version.is_current = True
        version.published_at = version.published_at or timezone.now()
        version.save(update_fields=["is_current", "published_at"])
        audit_record(actor=actor, action="agreement.publish", target=version,
                     before={"current": previous}, after={"current": version.version})
    return version
