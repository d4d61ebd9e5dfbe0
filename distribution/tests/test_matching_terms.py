"""The first pass reads each profile's derived term lists, never the claims: the profile
services keep them current in their transaction, and the result never drifts from a
computation from scratch (claims, proof points, offers, deals, over every organization)."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from distribution import matching
from distribution.choices import OfferStatus
from distribution.models import Offer, VendorLead
from distribution.tests.helpers import term
from leads.choices import DealSource, DealStatus
from leads.models import Deal
from partners import services
from partners.choices import MemberRole, StaffRole
from partners.models import AgreementVersion, CapabilityClaim, CapabilityProfile
from partners.tests.factories import (
    MembershipFactory,
    PartnerFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def admin_of(partner):
    return MembershipFactory(partner=partner, role=MemberRole.ADMIN).user


def stored(partner) -> tuple[str, str]:
    """The profile's term lists, after checking that its bitmaps hold the same terms."""
    profile = CapabilityProfile.objects.get(partner=partner)
    assert (from_bits(profile.terms_verified_bits), from_bits(profile.terms_unverified_bits)
            ) == (profile.terms_verified, profile.terms_unverified)
    return profile.terms_verified, profile.terms_unverified


def from_bits(bits) -> str:
    """A bitmap (bit t % 8 of byte t // 8) as a "|3|17|" list; a bitmap ends at a set bit."""
    bits = bytes(bits)
    assert not bits or bits[-1], "a bitmap padded with an empty byte"
    terms = [i * 8 + b for i, byte in enumerate(bits) for b in range(8) if byte >> b & 1]
    return "".join(f"|{t}" for t in terms) + "|" if terms else ""


def ids(*terms) -> str:
    return "".join(f"|{t.pk}" for t in sorted(terms, key=lambda t: t.pk)) + "|"


def test_the_profile_services_keep_the_term_lists_in_step_with_the_claims():
    partner = PartnerFactory()
    admin, owner = admin_of(partner), StaffFactory(roles=[StaffRole.PARTNER_OWNER])
    care, dach, german = term("vertical", "Healthcare"), term("region", "DACH"), term(
        "language", "German")
    profile = services.profile_save(partner=partner, actor=admin, capacity=3, summary="",
                                    terms=[care, dach])
    assert (profile.terms_verified, profile.terms_unverified) == ("", ids(care, dach))
    claim = CapabilityClaim.objects.get(partner=partner, term=care)
    services.profile_verify(actor=owner, partner=partner, claim_ids=[claim.pk])
    assert stored(partner) == (ids(care), ids(dach))
    services.profile_save(partner=partner, actor=admin, capacity=3, summary="",
                          terms=[care, german])
    assert stored(partner) == (ids(care), ids(german))
    services.profile_save(partner=partner, actor=admin, capacity=3, summary="", terms=[])
    assert stored(partner) == ("", "")


def test_the_rebuild_command_repairs_lists_written_around_the_services(capsys):
    partner = PartnerFactory()
    profile = CapabilityProfile.objects.create(partner=partner)
    care = term("vertical", "Healthcare")
    CapabilityClaim.objects.create(partner=partner, profile=profile, term=care,
                                   verified_at=timezone.now())
    assert stored(partner) == ("", "")
    call_command("matching_terms_rebuild")
    assert stored(partner) == (ids(care), "")
    assert "1 profiles updated." in capsys.readouterr().out
    assert services.profile_terms_refresh() == 0  # a second run changes nothing
    CapabilityProfile.objects.filter(partner=partner).update(terms_verified_bits=b"")
    assert services.profile_terms_refresh() == 1  # a stale bitmap alone is repaired
    assert stored(partner) == (ids(care), "")


def from_scratch(lead: VendorLead, now) -> list[tuple[int, float]]:
    """Every organization scored exactly from the claims (the second pass's statement run
    over all of them): the top 3 as (organization, total)."""
    from partners.models import PartnerOrganization

    params, _names = matching._params_for_lead(lead, matching.weights_current(), now)
    everyone = tuple(PartnerOrganization.objects.values_list("pk", flat=True))
    rows = matching._fetch(matching._exact_sql(replace(params, partner_ids=everyone),
                                               limit=matching.TOP_N),
                           matching._sql_params(params))
    return [(r["partner_id"], round(float(r["total"]), 1)) for r in rows
            if int(r["eligible"])]


def first_pass_needs(lead: VendorLead, now) -> dict[int, float]:
    """Each organization's need points as the first pass computes them (term lists)."""
    params, _names = matching._params_for_lead(lead, matching.weights_current(), now)
    rows = matching._fetch(f"WITH {matching._first_ctes(params)} "  # noqa: S608
                           "SELECT partner_id, need_points FROM base",
                           matching._sql_params(params))
    return {r["partner_id"]: round(float(r["need_points"]), 6) for r in rows}


def claimed_needs(lead: VendorLead, now) -> dict[int, float]:
    """The same points summed from the claims themselves (the exact pass's figures)."""
    params, _names = matching._params_for_lead(lead, matching.weights_current(), now)
    rows = matching._fetch(f"WITH {matching._exact_ctes(params)} "  # noqa: S608
                           "SELECT * FROM base", matching._sql_params(params))
    applies = matching._applicable(params)
    out = {}
    for r in rows:
        out[r["partner_id"]] = round(sum(
            params.weights.weight(f) * float(r[f"cr_{f}"]) / len(params.needs[f])
            for f in matching.NEED_FACTORS if applies[f]), 6)
    return out


def assert_no_drift(lead: VendorLead) -> None:
    now = timezone.now()
    assert services.profile_terms_refresh() == 0, "a service left a term list stale"
    for profile in CapabilityProfile.objects.all():
        stored(profile.partner_id)  # the bitmaps hold the lists' terms
    assert first_pass_needs(lead, now) == claimed_needs(lead, now)
    rec = matching.recommend(lead=lead, now=now)
    assert [(c["partner"], c["score"]) for c in rec.candidates] == from_scratch(lead, now)


def test_recommendations_match_a_computation_from_scratch_after_a_series_of_changes():
    care, dach, german = term("vertical", "Healthcare"), term("region", "DACH"), term(
        "language", "German")
    migration, smb = term("use_case", "Data migration"), term("segment", "SMB")
    owner = StaffFactory(roles=[StaffRole.PARTNER_OWNER])
    version = AgreementVersion.objects.create(version=90, title="Agreement", body="...")
    services.agreement_publish(actor=StaffFactory(), version=version)
    partners = [PartnerFactory(name=f"Drift {i}") for i in range(6)]
    admins = {p.pk: admin_of(p) for p in partners}
    choices = [[care, dach], [care, german, smb], [care, migration], [dach, german],
               [care, dach, german, migration], [smb]]
    for partner, terms in zip(partners, choices, strict=True):
        services.profile_save(partner=partner, actor=admins[partner.pk], capacity=3,
                              summary="", terms=terms)
        services.agreement_accept(partner=partner, actor=admins[partner.pk], version=version)
    lead = VendorLead.objects.create(company_name="Drift Health", status="ready",
                                     created_by=StaffFactory())
    lead.terms.set([care, dach, german, migration])
    lead = VendorLead.objects.prefetch_related("terms").get(pk=lead.pk)
    assert_no_drift(lead)

    services.profile_verify(actor=owner, partner=partners[0])
    assert_no_drift(lead)
    services.profile_save(partner=partners[0], actor=admins[partners[0].pk], capacity=3,
                          summary="", terms=[care, german])  # a verified claim removed
    assert_no_drift(lead)
    claim = CapabilityClaim.objects.get(partner=partners[4], term=dach)
    services.profile_verify(actor=owner, partner=partners[4], claim_ids=[claim.pk])
    assert_no_drift(lead)
    services.proof_point_save(partner=partners[2], actor=admins[partners[2].pk], data={
        "title": "Hospital move", "vertical": care, "use_case": migration, "region": dach,
        "outcome": "Done", "completed_on": timezone.localdate() - timedelta(days=30),
        "referenceable": True})
    services.profile_verify(actor=owner, partner=partners[2])
    assert_no_drift(lead)
    Offer.objects.create(lead=lead, partner=partners[4], status=OfferStatus.DECLINED,
                         offered_at=timezone.now() - timedelta(hours=3),
                         responded_at=timezone.now(), decline_reason="Busy")
    Deal.objects.create(partner=partners[1], created_by=UserFactory(), company_name="Old",
                        status=DealStatus.ACCEPTED, source=DealSource.PARTNER,
                        decided_at=timezone.now() - timedelta(days=200))  # overdue
    assert_no_drift(lead)
    services.profile_save(partner=partners[5], actor=admins[partners[5].pk], capacity=0,
                          summary="", terms=[care, dach, german, migration])  # at capacity
    later = AgreementVersion.objects.create(version=91, title="Agreement", body="v2")
    services.agreement_publish(actor=StaffFactory(), version=later)
    for partner in partners[:3]:
        services.agreement_accept(partner=partner, actor=admins[partner.pk], version=later)
    assert_no_drift(lead)
    rec = matching.recommend(lead=lead)
    assert rec.candidates and rec.exclusions["counts"]["no_agreement"] == 3
