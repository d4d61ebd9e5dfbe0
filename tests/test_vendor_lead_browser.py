"""A vendor lead from the staff form to won, in a real browser, with a real worker.

The partner owner (TOTP) creates the lead in the staff form; the Celery worker (Redis,
PostgreSQL) prepares it: duplicate check, then the ranked top 3. The partner owner approves
the offer to the first candidate with one click; that partner declines with a reason and
never sees the contact's name, e-mail or phone on its pages; the lead cascades to the second
candidate (approved again: auto-cascade is off by default), which accepts, now sees the
contact, and reports the deal won. The staff measurement dashboard's distribution funnel
counts both offers, the acceptance, the contact and the win.

Partners are set up through the services (profiles, claims, verification, case studies,
agreement acceptances) so that matching ranks them deterministically: Alpha (verified claims,
three referenceable healthcare case studies) before Beta (verified claims, one case study)
before Gamma (unverified claims, no case study); Delta has the best profile but has not
accepted the current agreement, so it is excluded with that reason.
"""

import datetime
import os

import pytest
from django.utils.text import slugify

from distribution.choices import OfferStatus, VendorLeadStatus
from distribution.models import Offer, OutcomeReport, VendorLead
from leads.choices import DealSource, DealStatus
from partners import services as partner_services
from partners.choices import MemberRole, StaffRole
from partners.models import AgreementVersion, Vocabulary
from partners.tests.factories import MembershipFactory, PartnerFactory, StaffFactory
from tests.test_browser_flow import browser, new_page, sign_in  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

OWNER_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXC"
CONTACT = {"name": "Peter Gibbons", "email": "peter.gibbons@initech-health.com",
           "phone": "+1 415 555 0199"}
# What a page may show of the phone in any normalization: none of these on a partner page.
CONTACT_TEXTS = (CONTACT["name"], CONTACT["email"], "555 0199", "5550199", "Gibbons")


def _term(kind: str, name: str) -> Vocabulary:
    """A vocabulary term; this transactional test cannot rely on the migration's seed."""
    return Vocabulary.objects.get_or_create(kind=kind, name=name,
                                            defaults={"slug": slugify(name)})[0]


def _partner(name: str, *, owner, case_studies: int, verified: bool, agreement):
    """An organization with an admin, a profile claiming healthcare, `case_studies`
    referenceable healthcare case studies, verified or not, and the agreement accepted."""
    partner = PartnerFactory(name=name, partner_owner=owner)
    admin = MembershipFactory(partner=partner, role=MemberRole.ADMIN,
                              user__email=f"admin@{name.split()[0].lower()}.test").user
    healthcare = _term("vertical", "Healthcare")
    partner_services.profile_save(partner=partner, actor=admin, capacity=5,
                                  summary=f"{name} serves hospitals.", terms=[healthcare])
    for n in range(case_studies):
        partner_services.proof_point_save(partner=partner, actor=admin, data={
            "title": f"{name} case {n}", "customer_name": f"Clinic {n}",
            "vertical": healthcare, "outcome": "Reporting moved to the cloud.",
            "completed_on": datetime.date.today() - datetime.timedelta(days=30 * (n + 1)),
            "referenceable": True})
    if verified:
        partner_services.profile_verify(actor=owner, partner=partner)
    if agreement is not None:
        partner_services.agreement_accept(partner=partner, actor=admin, version=agreement)
    return partner, admin


def _assert_no_contact(page) -> None:
    text = page.content()
    for value in CONTACT_TEXTS:
        assert value not in text, f"{value!r} shown on {page.url}"


def test_a_vendor_lead_is_matched_offered_declined_cascaded_accepted_and_won(
    celery_worker_process, live_server, browser  # noqa: F811
):
    from allauth.mfa.totp.internal.auth import TOTP
    from playwright.sync_api import expect

    owner = StaffFactory(email="owner@vlead.test", roles=[StaffRole.PARTNER_OWNER])
    TOTP.activate(owner, OWNER_SECRET)
    next_version = (AgreementVersion.objects.order_by("-version").values_list(
        "version", flat=True).first() or 0) + 1
    agreement = partner_services.agreement_publish(
        actor=owner, version=AgreementVersion.objects.create(
            version=next_version, title="Program agreement", body="Report back."))
    alpha, alpha_admin = _partner("Alpha Health Partners", owner=owner, case_studies=3,
                                  verified=True, agreement=agreement)
    beta, beta_admin = _partner("Beta Care Partners", owner=owner, case_studies=1,
                                verified=True, agreement=agreement)
    gamma, _gamma_admin = _partner("Gamma Clinic IT", owner=owner, case_studies=0,
                                   verified=False, agreement=agreement)
    delta, _delta_admin = _partner("Delta Unsigned", owner=owner, case_studies=4,
                                   verified=True, agreement=None)
    base = live_server.url

    # 1. The partner owner creates the lead in the staff form.
    staff = new_page(browser)
    sign_in(staff, base, owner.email, totp_secret=OWNER_SECRET)
    staff.wait_for_url(f"{base}/staff/")
    staff.goto(f"{base}/staff/vendor-leads/new/")
    staff.fill("#id_company_name", "Initech Health Systems")
    staff.fill("#id_website", "https://initech-health.com")
    staff.select_option("#id_country", "US")
    staff.fill("#id_industry", "Healthcare")
    staff.fill("#id_contact_name", CONTACT["name"])
    staff.fill("#id_contact_email", CONTACT["email"])
    staff.fill("#id_contact_phone", CONTACT["phone"])
    staff.fill("#id_need", "Move patient reporting to the cloud within the quarter.")
    staff.select_option("#id_terms", label="Vertical: Healthcare")
    staff.fill("#id_estimated_value", "120000")
    staff.locator("#vendor-lead-form [type=submit]").click()
    staff.wait_for_url(f"{base}/staff/vendor-leads/*/")
    lead = VendorLead.objects.get(company_name="Initech Health Systems")
    assert staff.url == f"{base}/staff/vendor-leads/{lead.pk}/"

    # 2. The worker prepares it: the page (polling) shows it ready with the top 3.
    expect(staff.locator('#vendor-lead-state[data-status="ready"]')).to_be_visible(timeout=30_000)
    candidates = staff.locator("#recommendation details[data-candidate]")
    expect(candidates).to_have_count(3)
    assert [candidates.nth(i).get_attribute("data-candidate") for i in range(3)] == [
        str(alpha.pk), str(beta.pk), str(gamma.pk)]
    expect(staff.locator("#exclusions")).to_contain_text("Delta Unsigned")
    expect(staff.locator("#exclusions")).to_contain_text("agreement")
    expect(staff.locator("#pending-offer")).to_contain_text("Alpha Health Partners")

    # 3. One click: the offer goes to Alpha.
    staff.locator("#approve-offer").click()
    expect(staff.locator('#vendor-lead-state[data-status="offered"]')).to_be_visible()
    first = Offer.objects.get(lead=lead, partner=alpha)
    assert first.status == OfferStatus.OFFERED and first.approved_by == owner
    assert not first.is_override

    # 4. Alpha sees the summary, need and why, never the contact; it declines with a reason.
    alpha_page = new_page(browser)
    sign_in(alpha_page, base, alpha_admin.email)
    alpha_page.wait_for_url(f"{base}/**")
    alpha_page.goto(f"{base}/partner/offers/")
    alpha_page.get_by_role("link", name=f"{lead.reference} Initech Health Systems").click()
    alpha_page.wait_for_url(f"{base}/partner/offers/{first.pk}/")
    expect(alpha_page.locator("#lead-need")).to_contain_text("patient reporting")
    expect(alpha_page.locator("#contact-hidden")).to_be_visible()
    expect(alpha_page.locator("#why-you")).to_contain_text("Score")
    _assert_no_contact(alpha_page)
    alpha_page.locator("#decline-offer").click()  # no reason: refused beside the field
    expect(alpha_page.locator("#decline-form .invalid-feedback")).to_be_visible()
    _assert_no_contact(alpha_page)
    alpha_page.fill("#decline-form [name=reason]", "No healthcare consultant free this month.")
    alpha_page.locator("#decline-offer").click()
    alpha_page.wait_for_url(f"{base}/partner/offers/")
    expect(alpha_page.locator(f'tr[data-offer="{first.pk}"] [data-status="declined"]')).to_be_visible()
    _assert_no_contact(alpha_page)
    first.refresh_from_db()
    assert first.status == OfferStatus.DECLINED
    assert first.decline_reason == "No healthcare consultant free this month."

    # 5. It cascades to Beta, awaiting the partner owner's approval again.
    staff.goto(f"{base}/staff/vendor-leads/{lead.pk}/")
    expect(staff.locator(f'#offer-history tr[data-offer="{first.pk}"]')).to_contain_text(
        "No healthcare consultant free this month.")
    expect(staff.locator("#pending-offer")).to_contain_text("Beta Care Partners")
    staff.locator("#approve-offer").click()
    expect(staff.locator('#vendor-lead-state[data-status="offered"]')).to_be_visible()
    second = Offer.objects.get(lead=lead, partner=beta)
    assert second.status == OfferStatus.OFFERED

    # 6. Beta accepts and now sees the contact; its deal is a vendor deal, accepted.
    beta_page = new_page(browser)
    sign_in(beta_page, base, beta_admin.email)
    beta_page.wait_for_url(f"{base}/**")
    beta_page.goto(f"{base}/partner/offers/{second.pk}/")
    expect(beta_page.locator("#contact-hidden")).to_be_visible()
    beta_page.locator("#accept-offer").click()
    beta_page.wait_for_url(f"{base}/deals/*/")  # its new deal's page, contact included
    second.refresh_from_db()
    deal = second.deal
    assert beta_page.url == f"{base}/deals/{deal.pk}/"
    expect(beta_page.locator("main")).to_contain_text(CONTACT["name"])
    beta_page.goto(f"{base}/partner/offers/{second.pk}/")
    expect(beta_page.locator("#lead-contact")).to_contain_text(CONTACT["name"])
    expect(beta_page.locator("#lead-contact")).to_contain_text(CONTACT["email"])
    assert second.status == OfferStatus.ACCEPTED
    assert (deal.partner_id, deal.source, deal.status) == (beta.pk, DealSource.VENDOR,
                                                          DealStatus.ACCEPTED)
    lead.refresh_from_db()
    assert lead.status == VendorLeadStatus.ASSIGNED

    # The declining partner still sees neither the contact nor the deal.
    alpha_page.goto(f"{base}/partner/offers/{first.pk}/")
    _assert_no_contact(alpha_page)
    assert alpha_page.goto(f"{base}/deals/{deal.pk}/").status == 404

    # 7. Beta reports the deal won from its deal page; the deal's status is unchanged.
    beta_page.goto(f"{base}/deals/{deal.pk}/")
    form = beta_page.locator("#outcome-form")
    expect(form).to_be_visible()
    form.locator("[name=stage]").select_option("won")
    form.locator("[name=note]").fill("Signed the three-year order.")
    beta_page.locator("#report-outcome").click()
    expect(beta_page.locator('#outcome-report-list li[data-stage="won"]')).to_contain_text(
        "Signed the three-year order.")
    assert OutcomeReport.objects.get(deal=deal).stage == "won"
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED

    # 8. The dashboard's funnel, by partner: Alpha offered 1; Beta offered, accepted,
    # contacted and won 1 each; no overrides.
    staff.goto(f"{base}/staff/measurements/?by=partner")
    funnel = staff.locator('[data-measure-table="funnel"]')
    beta_row = funnel.locator("tbody tr", has_text="Beta Care Partners")
    expect(beta_row).to_have_count(1)
    expect(beta_row.locator("td.text-end")).to_have_text(["1", "1", "1", "1", "0"])
    alpha_row = funnel.locator("tbody tr", has_text="Alpha Health Partners")
    expect(alpha_row.locator("td.text-end")).to_have_text(["1", "0", "0", "0", "0"])
    expect(funnel.locator("tbody tr", has_text="Delta Unsigned")).to_have_count(0)
