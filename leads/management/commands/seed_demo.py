"""Create demo data for a local run: staff, partner organizations, CRM records, deals,
and lead distribution (capability profiles, the program agreement, vendor leads, offers).

Refuses when DEBUG is off. Safe to run again: it does nothing once the demo exists.
"""

import random
import re
import unicodedata
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from attribution.choices import CommissionKind
from attribution.compensation import commission_approve
from attribution.models import Commission, CommissionRule
from attribution.services import conflict_case_resolve
from audit.services import audit_record
from crm.choices import OpportunityStage
from crm.models import Account, Opportunity
from crm.services import account_apply_normalization
from distribution.choices import DEFAULT_WEIGHTS, OfferStatus, OutcomeStage, VendorLeadStatus
from distribution.matching import weights_publish
from distribution.services import (
    offer_approve,
    outcome_report,
    vendor_lead_create,
    vendor_lead_prepare,
)
from leads.choices import CompanySize, ContactAuthority, DealStatus, IntroductionPath, Urgency
from leads.models import Deal, Product
from leads.screening import deal_screening_run
from leads.services import deal_apply_normalization, deal_submit, deal_withdraw
from partners.choices import MemberRole, ProgramStatus, StaffRole
from partners.models import AgreementVersion, Membership, PartnerOrganization, Tier, Vocabulary
from partners.services import (
    agreement_accept,
    agreement_publish,
    profile_save,
    profile_verify,
    proof_point_save,
)
from reviews.models import RejectionReason
from reviews.services import (
    deal_accept,
    deal_convert,
    deal_record_lost,
    deal_record_won,
    deal_reject,
    deal_request_info,
    deals_protection_expire,
)

User = get_user_model()

DEMO_PASSWORD = "PortalDemo!2026"
# Demo staff share this TOTP secret so a reviewer can add it to an authenticator app
# (or compute codes with `manage.py demo_totp`). Never used outside DEBUG.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MARKER_EMAIL = "admin@vendor.test"

STAFF = [
    ("admin@vendor.test", "Priya", "Admin", StaffRole.PROGRAM_ADMIN, True),
    ("owner@vendor.test", "Oscar", "Owner", StaffRole.PARTNER_OWNER, False),
    ("owner2@vendor.test", "Olivia", "Owens", StaffRole.PARTNER_OWNER, False),
    ("sales@vendor.test", "Sam", "Sales", StaffRole.SALES_OWNER, False),
]
PARTNERS = [
    ("Northwind Solutions", "Gold", ProgramStatus.ACTIVE, "northwind"),
    ("Contoso Partners", "Silver", ProgramStatus.ACTIVE, "contoso"),
    ("Fabrikam Digital", "Registered", ProgramStatus.PROBATION, "fabrikam"),
    ("Tailspin Consulting", "Silver", ProgramStatus.SUSPENDED, "tailspin"),
]
PRODUCTS = [
    ("Analytics Cloud", "AN-CLOUD"),
    ("Data Integration Suite", "DI-SUITE"),
    ("Security Gateway", "SEC-GW"),
    ("Customer Portal", "CX-PORTAL"),
    ("Managed Support", "SUP-MGD"),
]
NAME_A = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Hooli", "Vandelay",
          "Soylent", "Cyberdyne", "Tyrell", "Gringotts", "Monarch", "Oscorp", "Pied Piper",
          "Aperture", "Black Mesa", "Duff", "Krusty", "Nakatomi", "Massive Dynamic", "Dunder",
          "Sterling", "Bluth", "Prestige", "Virtucon", "Zorg", "Blue Sun", "Yoyodyne"]
NAME_B = ["Logistics", "Foods", "Health", "Energy", "Retail", "Bank", "Insurance", "Motors",
          "Pharma", "Media", "Airlines", "Telecom", "Labs", "Textiles", "Systems", "Hotels"]
SUFFIX = ["Inc.", "GmbH", "Ltd", "S.A.", "B.V.", "LLC", "Pty Ltd", "S.r.l.", "K.K.", "plc", ""]
COUNTRIES = ["US", "GB", "DE", "FR", "NL", "IT", "ES", "AU", "JP", "CA", "SE", "BR"]
FIRST = ["Ana", "Ben", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivan", "Julia",
         "Kofi", "Lena", "Marco", "Nina", "Omar", "Paula", "Raj", "Sara", "Tom", "Yuki"]
LAST = ["Smith", "Müller", "Rossi", "García", "Kowalski", "Tanaka", "Dubois", "Silva",
        "Jensen", "Novak", "Okafor", "Patel", "Larsen", "Moreau", "Schmidt", "Brown"]
NEEDS = [
    "Consolidate reporting from three regional ERPs into one analytics workspace.",
    "Replace an end-of-life VPN with a managed security gateway before the audit.",
    "Launch a self-service customer portal to cut support calls by a third.",
    "Integrate the new warehouse system with order management in real time.",
    "Move on-premises dashboards to the cloud and give field teams mobile access.",
]
# Statuses to seed per partner, so every settled state of the lifecycle is on screen. No deal
# is left `submitted` or `screening`: the demo starts with nothing for the sweep to redo.
STATUS_PLAN = [
    DealStatus.DRAFT, DealStatus.IN_REVIEW, DealStatus.IN_REVIEW, DealStatus.NEEDS_INFO,
    DealStatus.ACCEPTED, DealStatus.ACCEPTED, DealStatus.REJECTED, DealStatus.CONVERTED,
    DealStatus.WON, DealStatus.LOST, DealStatus.WITHDRAWN, DealStatus.EXPIRED,
]
# How long ago (days) each deal's story ended, by status: recent work is still open, old
# work is closed; expired deals were accepted longer ago than the protection window.
DAYS_AGO = {
    DealStatus.DRAFT: (1, 30), DealStatus.IN_REVIEW: (0, 3), DealStatus.NEEDS_INFO: (1, 6),
    DealStatus.ACCEPTED: (3, 60), DealStatus.REJECTED: (5, 150), DealStatus.CONVERTED: (10, 80),
    DealStatus.WON: (20, 150), DealStatus.LOST: (20, 150), DealStatus.WITHDRAWN: (5, 150),
    DealStatus.EXPIRED: (100, 170),
}
# Deals that go on to sales get made-up customers of their own, so no conflict pauses them.
SYLLABLES = ["ka", "lo", "mi", "ve", "ra", "no", "te", "si", "bu", "dor", "lan", "quin", "zel"]
DEMO_QUESTION = "Who signs off the budget, and is it approved for this year?"
# Lead distribution: each partner's capability profile (terms by vocabulary kind, as seeded
# by partners/0007), its capacity, whether the partner owner verifies it, and its case
# studies (vertical, use case, segment, region, months ago, referenceable).
PROFILES = {
    "Northwind Solutions": {
        "capacity": 4, "verify": True,
        "terms": {"vertical": ["Healthcare", "Life sciences"], "segment": ["Enterprise", "Mid-market"],
                  "use_case": ["Analytics and reporting", "Data migration"],
                  "region": ["North America"], "language": ["English", "Spanish"],
                  "certification": ["HIPAA", "SOC 2"],
                  "capability": ["Implementation", "Data engineering"]},
        "proofs": [("Patient analytics for a hospital group", "Healthcare", "Analytics and reporting",
                    "Enterprise", "North America", 5, True),
                   ("Lab data migration", "Life sciences", "Data migration", "Mid-market",
                    "North America", 14, False)],
    },
    "Contoso Partners": {
        "capacity": 3, "verify": True,
        "terms": {"vertical": ["Financial services", "Retail and e-commerce"],
                  "segment": ["Mid-market", "SMB"],
                  "use_case": ["Data migration", "Integration", "Customer service"],
                  "region": ["North America", "UK and Ireland"], "language": ["English"],
                  "certification": ["ISO 27001", "PCI DSS"],
                  "capability": ["Integration development"]},
        "proofs": [("Core banking data migration", "Financial services", "Data migration",
                    "Mid-market", "North America", 8, True),
                   ("Omnichannel service desk", "Retail and e-commerce", "Customer service", "SMB",
                    "UK and Ireland", 20, False)],
    },
    # Unverified, and overdue on its outcome reports: excluded until it reports.
    "Fabrikam Digital": {
        "capacity": 2, "verify": False,
        "terms": {"vertical": ["Healthcare"], "segment": ["SMB"],
                  "use_case": ["Analytics and reporting"], "region": ["North America"],
                  "language": ["English"]},
        "proofs": [],
    },
    # Suspended: excluded whatever it claims.
    "Tailspin Consulting": {
        "capacity": 3, "verify": False,
        "terms": {"vertical": ["Healthcare", "Financial services"], "segment": ["Enterprise"],
                  "region": ["North America"], "language": ["English"]},
        "proofs": [],
    },
}
# The partners that report back on their accepted deals (the others become overdue).
REPORTING = ["Northwind Solutions", "Contoso Partners"]
# Vendor leads: fields, needs, and how far the seed takes each one: `offered` (approved:
# the top partner sees the offer and answers it) or `ready` (its recommendation and top
# offer await the partner owner's approval). None is accepted: every seeded deal is a
# partner registration (see test_seed_demo_trust).
VENDOR_LEADS = [
    ({"company_name": "Meridian Health Network", "website": "https://www.meridian-health.example",
      "country": "US", "industry": "Healthcare", "company_size": CompanySize.L,
      "contact_name": "Grace Holloway", "contact_title": "VP Clinical Informatics",
      "contact_email": "grace.holloway@meridian-health.example", "contact_phone": "+1 617 555 0142",
      "need": "Unify reporting across 14 clinics and give physicians a daily quality dashboard.",
      "use_case_text": "Clinical analytics", "urgency": Urgency.HIGH,
      "estimated_value": Decimal("180000"), "currency": "USD"},
     {"vertical": ["Healthcare"], "segment": ["Enterprise"], "use_case": ["Analytics and reporting"],
      "region": ["North America"], "language": ["English"], "certification": ["HIPAA"]},
     "offered"),
    ({"company_name": "Harborview Credit Union", "website": "https://www.harborview-cu.example",
      "country": "US", "industry": "Financial services", "company_size": CompanySize.M,
      "contact_name": "Marcus Bell", "contact_title": "CTO",
      "contact_email": "marcus.bell@harborview-cu.example", "contact_phone": "+1 206 555 0177",
      "need": "Move member records off a legacy core system before its support ends next year.",
      "use_case_text": "Core system migration", "urgency": Urgency.MEDIUM,
      "estimated_value": Decimal("95000"), "currency": "USD"},
     {"vertical": ["Financial services"], "segment": ["Mid-market"], "use_case": ["Data migration"],
      "region": ["North America"], "language": ["English"]},
     "ready"),
    ({"company_name": "Cobalt Outfitters", "website": "https://www.cobalt-outfitters.example",
      "country": "GB", "industry": "Retail", "company_size": CompanySize.S,
      "contact_name": "Imogen Reeve", "contact_title": "Head of Customer Service",
      "contact_email": "imogen.reeve@cobalt-outfitters.example", "contact_phone": "+44 20 7946 0321",
      "need": "One service desk for web, store and phone enquiries before the holiday season.",
      "use_case_text": "Service desk", "urgency": Urgency.HIGH,
      "estimated_value": Decimal("40000"), "currency": "GBP"},
     {"vertical": ["Retail and e-commerce"], "segment": ["SMB"], "use_case": ["Customer service"],
      "region": ["UK and Ireland"], "language": ["English"]},
     "offered"),
]


def ascii_local_part(*names: str) -> str:
    """`first.last` for an e-mail: accents transliterated (García → garcia), the rest
    dropped (NFKD leaves no ASCII for some scripts)."""
    parts = []
    for name in names:
        plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        plain = re.sub(r"[^a-z0-9]+", "", plain.lower())
        if plain:
            parts.append(plain)
    return ".".join(parts) or "contact"


def contact_domain(website: str) -> str:
    """The website's host without `www.` (registrable-domain normalization may leave
    nothing for reserved names such as `.example`)."""
    host = (urlsplit(website if "//" in website else f"https://{website}").hostname or "").lower()
    return host.removeprefix("www.") or "example.com"


def _user(email: str, first: str, last: str, *, staff: bool = False, superuser: bool = False):
    user = User.objects.create_user(
        username=email, email=email, password=DEMO_PASSWORD, first_name=first, last_name=last,
        is_staff=staff, is_superuser=superuser,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


class Command(BaseCommand):
    help = "Create demo partners, staff, CRM records and deals (DEBUG only, idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--accounts", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo creates known passwords; it runs only with DEBUG on.")
        if User.objects.filter(email=MARKER_EMAIL).exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        rng = random.Random(options["seed"])
        with transaction.atomic():
            staff = self._staff()
            products = [Product.objects.get_or_create(sku=sku, defaults={"name": name})[0]
                        for name, sku in PRODUCTS]
            accounts = self._accounts(rng, options["accounts"], staff["sales"])
            partners = self._partners(staff)
            count = self._deals(rng, partners, accounts, products, staff)
            self._program_statuses(partners)
            leads = self._distribution(partners, staff)
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: {len(partners)} partner organizations, {len(accounts)} accounts, "
            f"{count} deals, {leads} vendor leads. Password for every demo user: {DEMO_PASSWORD}"
        ))

    def _staff(self) -> dict:
        result = {}
        for email, first, last, role, superuser in STAFF:
            user = _user(email, first, last, staff=True, superuser=superuser)
            group, _created = Group.objects.get_or_create(name=role.value)
            user.groups.add(group)
            TOTP.activate(user, DEMO_TOTP_SECRET)
            result.setdefault(role.value.split("_")[0], user)
        return result

    def _accounts(self, rng: random.Random, n: int, sales_owner) -> list[Account]:
        accounts, seen = [], set()
        while len(accounts) < n:
            name = f"{rng.choice(NAME_A)} {rng.choice(NAME_B)}"
            if name in seen:
                name = f"{name} {rng.choice(COUNTRIES)}"
                if name in seen:
                    continue
            seen.add(name)
            domain = name.lower().replace(" ", "") + rng.choice([".com", ".io", ".co.uk", ".de"])
            legal = f"{name} {rng.choice(SUFFIX)}".strip()
            accounts.append(Account(
                external_id=f"ACC-{len(accounts) + 1:05d}", name=legal, website=f"https://www.{domain}",
                country=rng.choice(COUNTRIES), industry=rng.choice(NAME_B),
                sales_owner=sales_owner if rng.random() < 0.6 else None,
                is_strategic=rng.random() < 0.05, is_customer=rng.random() < 0.3,
                # Address and switchboard from the position (no rng draw: the rest of the
                # seed stays as it was).
                phone=f"+1 415 600 {len(accounts):04d}", street=f"{100 + len(accounts)} Market Street",
                city="San Francisco", postal_code=f"941{len(accounts) % 100:02d}",
            ))
            account_apply_normalization(accounts[-1])
        Account.objects.bulk_create(accounts)
        opportunities = [
            Opportunity(
                external_id=f"OPP-{i + 1:05d}", account=account, name=f"{account.name} expansion",
                stage=rng.choice(list(OpportunityStage)), owner=sales_owner,
                amount=Decimal(rng.randrange(5_000, 500_000)),
                close_date=timezone.now().date() + timedelta(days=rng.randrange(-90, 180)),
            )
            for i, account in enumerate(accounts[: n // 2])
        ]
        Opportunity.objects.bulk_create(opportunities)
        return accounts

    def _partners(self, staff: dict) -> list[tuple[PartnerOrganization, list]]:
        result = []
        for name, tier, status, slug in PARTNERS:
            # Active while its history is seeded (a suspended partner registered its deals
            # before the suspension); `_program_statuses` sets the real status afterwards.
            partner = PartnerOrganization.objects.create(
                name=name, tier=Tier.objects.get(name=tier), program_status=ProgramStatus.ACTIVE,
                partner_owner=staff["partner"], website=f"https://{slug}.example", country="US",
            )
            admin = _user(f"admin@{slug}.test", "Alex", name.split()[0])
            rep = _user(f"rep@{slug}.test", "Robin", name.split()[0])
            Membership.objects.create(user=admin, partner=partner, role=MemberRole.ADMIN)
            Membership.objects.create(user=rep, partner=partner, role=MemberRole.REP)
            audit_record(actor=None, action="partner.seed", target=partner,
                         after={"tier": tier, "program_status": status}, reason="seed_demo")
            result.append((partner, [admin, rep]))
        return result

    def _deals(self, rng, partners, accounts, products, staff) -> int:
        """Deals in every settled status, each through the real services in order: created,
        submitted, screened by the pipeline, then decided by staff (accept, reject, ask,
        convert, won, lost) or withdrawn by the partner, so each has its decisions, status
        history and audit events. Each deal's dates are then moved back to its own day in
        the last months (`_backdate`); accepted deals whose protection window passed expire
        through the expiry service."""
        plans = []
        for partner, members in partners:
            for i, status in enumerate(STATUS_PLAN * 2):
                to_sales = status in {DealStatus.CONVERTED, DealStatus.WON, DealStatus.LOST}
                account = self._new_customer(rng) if to_sales else rng.choice(accounts)
                deal = self._deal(rng, partner, members[i % 2], account, products)
                plans.append((deal, status, members[i % 2]))
        # The seed's scenario: two partners register the same end customer in one week;
        # both stay in review with an attribution conflict.
        globex = Account(external_id="ACC-GLOBEX", name="Globex Corporation",
                         website="https://www.globexcorp.com", country="US")
        account_apply_normalization(globex)
        (northwind, nw_members), (contoso, co_members) = partners[0], partners[1]
        scenario = [(self._deal(rng, northwind, nw_members[1], globex, products), 4)]
        globex.name = "GLOBEX Corp."
        scenario.append((self._deal(rng, contoso, co_members[1], globex, products), 1))
        for deal, _days in scenario:
            self._submit_and_screen(deal)
        for deal, status, member in plans:
            self._play(deal, status, member, staff, rng)
        for deal, status, _member in plans:
            low, high = DAYS_AGO[status]
            self._backdate(deal, timedelta(days=rng.uniform(low, high)), rng)
        for deal, days in scenario:
            self._backdate(deal, timedelta(days=days), rng)
        self._resolved_conflict(rng, partners, products, staff)
        deals_protection_expire()
        return Deal.objects.count()

    def _resolved_conflict(self, rng, partners, products, staff) -> None:
        """A conflict the partner owner already resolved: Northwind and Fabrikam registered
        the same customer; the owner split the credit 60/40. Fabrikam's registration closed
        as merged; Northwind's was accepted, converted and won, so each partner has a
        commission proposal (Northwind's approved)."""
        (northwind, nw_members), (fabrikam, fa_members) = partners[0], partners[2]
        customer = Account(external_id="ACC-INITECH", name="Initrode Systems GmbH",
                           website="https://www.initrode-systems.de", country="DE")
        account_apply_normalization(customer)
        first = self._deal(rng, northwind, nw_members[0], customer, products)
        customer.name = "Initrode Systems"
        second = self._deal(rng, fabrikam, fa_members[0], customer, products)
        for deal in (first, second):
            self._submit_and_screen(deal)
        first.refresh_from_db()
        owner, sales, admin = staff["partner"], staff["sales"], staff["program"]
        CommissionRule.objects.get_or_create(
            name="Standard referral commission", defaults={
                "kind": CommissionKind.PERCENT, "rate": Decimal("10"), "cap": Decimal("50000"),
                "effective_from": timezone.localdate() - timedelta(days=365), "created_by": admin})
        if first.conflict_case_id:
            conflict_case_resolve(
                actor=owner, case=first.conflict_case, resolution="split",
                reason="Northwind sourced the customer; Fabrikam ran the workshop that shaped the need.",
                shares=[{"deal": first.pk, "role": "sourced", "share": "60.00"},
                        {"deal": second.pk, "role": "influenced", "share": "40.00"}])
        first.refresh_from_db()
        deal = deal_accept(actor=owner, deal=first, reason="Clear need, conflict resolved 60/40.",
                           override_reason="Reviewed with both partners (demo data).", sales_owner=sales)
        deal = deal_convert(actor=sales, deal=deal)
        deal_record_won(actor=sales, deal=deal, amount=Decimal("84250.50"))
        approved = Commission.objects.filter(deal=deal, partner=northwind).first()
        if approved is not None:
            commission_approve(actor=owner, commission=approved)
        for item in (first, second):
            self._backdate(item, timedelta(days=rng.uniform(20, 40)), rng)

    def _new_customer(self, rng) -> Account:
        """An unsaved account-like record for a made-up company no one else registered."""
        word = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
        name = f"{word} {rng.choice(NAME_B)} {rng.randrange(100, 999)}"
        account = Account(name=name, website=f"https://www.{word.lower()}{rng.randrange(1000)}.com",
                          country=rng.choice(COUNTRIES), industry=rng.choice(NAME_B))
        account_apply_normalization(account)
        return account

    def _submit_and_screen(self, deal: Deal) -> None:
        deal_submit(partner=deal.partner, actor=deal.created_by, deal=deal)
        deal_screening_run(deal_id=deal.pk)  # now, rather than when a worker picks it up

    def _play(self, deal: Deal, status: str, member, staff: dict, rng) -> None:
        """Take a draft to `status` through the services, as people would."""
        if status == DealStatus.DRAFT:
            return
        self._submit_and_screen(deal)
        owner, sales = staff["partner"], staff["sales"]
        if status == DealStatus.NEEDS_INFO:
            deal_request_info(actor=owner, deal=deal, question=DEMO_QUESTION)
        elif status == DealStatus.REJECTED:
            code = RejectionReason.objects.filter(active=True).order_by("position").first()
            deal_reject(actor=owner, deal=deal, reason_code=code.code,
                        note="The customer is already covered by the vendor's team.")
        elif status == DealStatus.WITHDRAWN:
            deal_withdraw(partner=deal.partner, actor=member, deal=deal,
                          reason="The customer postponed the project.")
        elif status != DealStatus.IN_REVIEW:
            deal = deal_accept(actor=owner, deal=deal, reason="Clear need and a named decision maker.",
                        override_reason="Reviewed with the partner (demo data).",
                        sales_owner=sales)
            if status in {DealStatus.CONVERTED, DealStatus.WON, DealStatus.LOST}:
                deal = deal_convert(actor=sales, deal=deal)
            if status == DealStatus.WON:
                deal_record_won(actor=sales, deal=deal, amount=deal.estimated_value)
            elif status == DealStatus.LOST:
                deal_record_lost(actor=sales, deal=deal, reason="Lost to a competitor on price.")
            elif status == DealStatus.EXPIRED:
                # Accepted long ago; after backdating, the expiry service ends its window.
                pass

    def _backdate(self, deal: Deal, ago: timedelta, rng) -> None:
        """Move the deal's whole story (all of its own and its related rows' date-times) back
        by `ago`, keeping its order; creation goes back a few more days than submission.
        Audit events keep their real times: the log is append-only."""
        for model, lookup in _deal_rows():
            fields = [f.name for f in model._meta.get_fields()
                      if isinstance(f, models.DateTimeField)]
            if fields:
                model.objects.filter(**{lookup: deal.pk}).update(
                    **{name: F(name) - ago for name in fields})
        Deal.objects.filter(pk=deal.pk).update(
            created_at=F("created_at") - timedelta(days=rng.uniform(0.5, 6)))

    def _program_statuses(self, partners) -> None:
        """The partners' real program status (probation, suspension), after their deals."""
        wanted = {name: status for name, _tier, status, _slug in PARTNERS}
        for partner, _members in partners:
            status = wanted[partner.name]
            if partner.program_status != status:
                PartnerOrganization.objects.filter(pk=partner.pk).update(program_status=status)
                audit_record(actor=None, action="partner.seed_status", target=partner,
                             before={"program_status": ProgramStatus.ACTIVE},
                             after={"program_status": status}, reason="seed_demo")

    def _distribution(self, partners, staff) -> int:
        """Lead distribution through the real services: the program agreement published
        and accepted, capability profiles with case studies (verified by the partner owner
        for Northwind and Contoso), the matching settings, outcome reports on the reporting
        partners' accepted deals, then the vendor leads prepared as the worker would (each
        recommended, its top offer awaiting approval), then approved for the partners to
        answer, or left for the partner owner to approve."""
        owner, admin = staff["partner"], staff["program"]
        admins = {partner.name: members[0] for partner, members in partners}
        by_name = {partner.name: partner for partner in PartnerOrganization.objects.filter(
            pk__in=[partner.pk for partner, _members in partners])}  # their real statuses
        version = AgreementVersion.objects.create(
            version=(AgreementVersion.objects.order_by("-version").values_list(
                "version", flat=True).first() or 0) + 1,
            title="Partner program agreement",
            body="Partners work vendor leads in good faith, answer offers within the SLA and "
                 "report each accepted deal's progress. (Demo text.)")
        agreement_publish(actor=admin, version=version)
        weights_publish(actor=admin, weights=DEFAULT_WEIGHTS, near_tie_margin=5,
                        offer_sla_hours=24, auto_cascade=False, report_cadence_days=14,
                        note="Program settings for the demo.")
        for name, spec in PROFILES.items():
            partner, partner_admin = by_name[name], admins[name]
            profile_save(partner=partner, actor=partner_admin, capacity=spec["capacity"],
                         summary=f"{name}: {', '.join(spec['terms']['vertical'])}.",
                         terms=_terms(spec["terms"]))
            for title, vertical, use_case, segment, region, months, ref in spec["proofs"]:
                proof_point_save(partner=partner, actor=partner_admin, data={
                    "title": title, "vertical": _term("vertical", vertical),
                    "use_case": _term("use_case", use_case),
                    "segment": _term("segment", segment), "region": _term("region", region),
                    "outcome": "Delivered on time; the customer renewed. (Demo text.)",
                    "completed_on": timezone.localdate() - timedelta(days=30 * months),
                    "referenceable": ref})
            if spec["verify"]:
                profile_verify(actor=owner, partner=partner)
            if partner.program_status != ProgramStatus.SUSPENDED:
                agreement_accept(partner=partner, actor=partner_admin, version=version)
        stages = [OutcomeStage.CONTACTED, OutcomeStage.MEETING_HELD, OutcomeStage.PROPOSAL]
        for name in REPORTING:
            open_deals = Deal.objects.filter(partner=by_name[name], status__in=[
                DealStatus.ACCEPTED, DealStatus.CONVERTED]).order_by("pk")
            for i, deal in enumerate(open_deals):
                outcome_report(partner=by_name[name], actor=admins[name], deal=deal,
                               stage=stages[i % len(stages)],
                               note="Spoke with the customer this week. (Demo text.)")
        for data, needs, goal in VENDOR_LEADS:
            lead = vendor_lead_create(actor=owner, data=data, terms=_terms(needs), prepare=False)
            lead = vendor_lead_prepare(lead_id=lead.pk)
            pending = lead.offers.filter(status=OfferStatus.PENDING_APPROVAL).first()
            if lead.status != VendorLeadStatus.READY or pending is None or goal == "ready":
                continue
            offer_approve(actor=owner, offer=pending)
        return len(VENDOR_LEADS)

    def _deal(self, rng, partner, member, account, products) -> Deal:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        deal = Deal(
            partner=partner, created_by=member, owner=member, status=DealStatus.DRAFT,
            company_name=account.name, website=account.website, country=account.country,
            industry=account.industry, company_size=rng.choice(list(CompanySize)),
            street=account.street, city=account.city, postal_code=account.postal_code,
            contact_name=f"{first} {last}", contact_title="Head of IT",
            contact_email=f"{ascii_local_part(first, last)}@{contact_domain(account.website)}",
            contact_phone=f"+1 415 555 {rng.randrange(10000):04d}",
            contact_authority=rng.choice(list(ContactAuthority)),
            need=rng.choice(NEEDS), urgency=rng.choice(list(Urgency)),
            timeline=f"Decision in Q{rng.randrange(1, 5)}",
            estimated_value=Decimal(rng.randrange(10, 900)) * 1000,
            introduction_path=rng.choice(list(IntroductionPath)),
            relationship_notes="We have delivered two projects for their operations team.",
            customer_consent=rng.random() < 0.85,
        )
        deal_apply_normalization(deal)
        deal.raw_input = {"company_name": deal.company_name, "website": deal.website}
        deal.full_clean(exclude=["reference"])
        deal.save()
        deal.products.set(rng.sample(products, rng.randrange(1, 3)))
        audit_record(actor=member, action="deal.seed", target=deal,
                     after={"status": DealStatus.DRAFT}, reason="seed_demo")
        return deal


def _term(kind: str, name: str) -> Vocabulary:
    """A vocabulary term seeded by partners/0007 (made again when a test flushed it)."""
    return Vocabulary.objects.get_or_create(kind=kind, name=name,
                                            defaults={"slug": slugify(name)})[0]


def _terms(by_kind: dict[str, list[str]]) -> list[Vocabulary]:
    return [_term(kind, name) for kind, names in by_kind.items() for name in names]


def _deal_rows():
    """(model, lookup) for the deal and every model whose `deal` field points at it."""
    rows = [(Deal, "pk")]
    for relation in Deal._meta.related_objects:
        if relation.field.name == "deal":
            rows.append((relation.related_model, f"{relation.field.name}_id"))
    return rows
