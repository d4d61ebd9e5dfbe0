"""Read queries for partner organizations, memberships, invitations and program rules."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from partnerportal.versions import cached
from partners.choices import StaffRole
from partners.models import Invitation, Membership, PartnerOrganization, ProgramRules, Tier


def membership_for_user(*, user: AbstractBaseUser | AnonymousUser) -> Membership | None:
    """The user's membership with its organization and tier loaded, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.select_related("partner", "partner__tier")
        .filter(user_id=user.pk)
        .first()
    )


def member_list(*, partner: PartnerOrganization) -> QuerySet[Membership]:
    return Membership.objects.filter(partner=partner).select_related("user").order_by("user__email")


def invitation_list(*, partner: PartnerOrganization) -> QuerySet[Invitation]:
    """Pending invitations of one organization, newest first."""
    return Invitation.objects.for_partner(partner).pending().select_related("invited_by")


def invitation_get_pending(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.pending().select_related("partner").filter(token=token).first()
    )


def program_rules_get() -> ProgramRules:
    """The single ProgramRules row (created with defaults by a migration)."""
    rules, _created = ProgramRules.objects.get_or_create(pk=1)
    return rules


def user_staff_roles(*, user: AbstractBaseUser | AnonymousUser) -> set[str]:
    """The vendor staff roles a user holds (Django groups named after StaffRole values)."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return set()
    cached = getattr(user, "_staff_roles", None)
    if cached is None:
        cached = user_staff_roles_remember(
            user=user, group_names=set(user.groups.values_list("name", flat=True)))
    return cached


def user_staff_roles_remember(*, user: AbstractBaseUser, group_names: set[str]) -> set[str]:
    """The staff roles a staff user's groups (`group_names`, read by the caller) give them,
    remembered on `user` for `user_staff_roles`."""
    roles = group_names & set(StaffRole.values)
    if user.is_superuser:
        roles |= set(StaffRole.values)
    user._staff_roles = roles
    return roles


def tier_list() -> QuerySet[Tier]:
    return Tier.objects.order_by("rank", "name")


def member_list_with_open_deals(*, partner: PartnerOrganization) -> QuerySet[Membership]:
    """The organization's members, each with `open_deals`: deals they own not yet closed."""
    from leads.choices import CLOSED_STATUSES

    owned = Q(user__deals_owned__partner=partner) & ~Q(
        user__deals_owned__status__in=CLOSED_STATUSES
    )
    return member_list(partner=partner).annotate(
        open_deals=Count("user__deals_owned", filter=owned)
    )


def member_get(*, partner: PartnerOrganization, pk: int) -> Membership:
    """One member of the organization; another organization's id raises Http404."""
    membership = member_list(partner=partner).filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership


def member_takeover_candidates(*, partner: PartnerOrganization, leaving: Membership) -> QuerySet:
    """Active members (users) who can take over a leaving member's deals, by e-mail."""
    return (
        get_user_model().objects.filter(membership__partner=partner, is_active=True)
        .exclude(pk=leaving.user_id)
        .order_by("email")
    )


def partner_record(*, partner: PartnerOrganization) -> dict:
    """A partner's review record, for the reviewer deciding one of its deals.

    `acceptance_rate` is accepted ÷ (accepted + rejected) decisions (None before any),
    `open_deals` its registrations still open, `rejected` its rejections, `overrides`
    acceptances of its deals past a blocker, `disputes` / `open_disputes` the attribution
    disputes it raised. Three aggregate queries, whatever the volume.
    """
    from attribution.choices import DisputeStatus
    from attribution.models import Dispute
    from leads.choices import OPEN_STATUSES
    from leads.models import Deal
    from reviews.choices import DecisionKind
    from reviews.models import Decision

    counts = Decision.objects.for_partner(partner).aggregate(
        accepted=Count("id", filter=Q(kind=DecisionKind.ACCEPT)),
        rejected=Count("id", filter=Q(kind=DecisionKind.REJECT)),
        overrides=Count("id", filter=Q(kind=DecisionKind.ACCEPT) & ~Q(override_reason="")),
    )
    decided = counts["accepted"] + counts["rejected"]
    return {
        **counts,
        "decided": decided,
        "acceptance_rate": counts["accepted"] / decided if decided else None,
        "open_deals": Deal.objects.for_partner(partner).filter(status__in=OPEN_STATUSES).count(),
        **Dispute.objects.for_partner(partner).aggregate(
            disputes=Count("id"), open_disputes=Count("id", filter=Q(status=DisputeStatus.OPEN))),
    }


def partner_record_kept(*, partner: PartnerOrganization, version: int | None) -> dict:
    """`partner_record`, counted once per change of the deals' data (`version`, from
    `partnerportal.versions.data_version`: decisions and deals move it)."""
    return cached(f"partner-record:{partner.pk}", version,
                  lambda: partner_record(partner=partner))


def agreement_current():
    """The current program agreement version, or None when none is published."""
    from partners.models import AgreementVersion

    return AgreementVersion.objects.filter(is_current=True).first()


def agreement_needed(partner: PartnerOrganization):
    """The current agreement version if `partner` has not accepted it yet, else None
    (one query)."""
    from partners.models import AgreementVersion

    return (AgreementVersion.objects.filter(is_current=True)
            .exclude(acceptances__partner=partner).first())


def capability_profile_get(partner: PartnerOrganization):
    """The partner's profile with its claims and terms loaded, or None."""
    from django.db.models import Prefetch

    from partners.models import CapabilityClaim, CapabilityProfile

    return (CapabilityProfile.objects.for_partner(partner)
            .prefetch_related(Prefetch("claims", queryset=CapabilityClaim.objects.select_related(
                "term", "verified_by")))
            .select_related("verified_by").first())


def proof_point_list(partner: PartnerOrganization):
    from partners.models import ProofPoint

    return ProofPoint.objects.for_partner(partner).select_related(
        "vertical", "use_case", "segment", "region", "verified_by")
