"""Create demo data for a local run: staff, partner organizations, CRM records, deals.

Refuses when DEBUG is off. Safe to run again: it does nothing once the demo exists.
"""

import random
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from leads.choices import (
    CompanySize,
    ContactAuthority,
    DealStatus,
    IntroductionPath,
    OpportunityStage,
    Urgency,
)
from leads.models import Account, Deal, Opportunity, Product
from leads.screening import deal_screening_run
from leads.services import account_apply_normalization, deal_apply_normalization
from partners.choices import MemberRole, ProgramStatus, StaffRole
from partners.models import Membership, PartnerOrganization, Tier
from reviews.services import deal_request_info

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
# Statuses to seed per partner, so every state of the lifecycle is on screen.
STATUS_PLAN = [
    DealStatus.DRAFT, DealStatus.SUBMITTED, DealStatus.IN_REVIEW, DealStatus.IN_REVIEW,
    DealStatus.NEEDS_INFO, DealStatus.ACCEPTED, DealStatus.ACCEPTED, DealStatus.REJECTED,
    DealStatus.CONVERTED, DealStatus.WON, DealStatus.LOST, DealStatus.WITHDRAWN,
    DealStatus.EXPIRED, DealStatus.SCREENING,
]


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
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: {len(partners)} partner organizations, {len(accounts)} accounts, "
            f"{count} deals. Password for every demo user: {DEMO_PASSWORD}"
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
            partner = PartnerOrganization.objects.create(
                name=name, tier=Tier.objects.get(name=tier), program_status=status,
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
        """Deals in every status. Those in review went through the real screening pipeline
        (matches, stop rules, summary, review tasks); needs-info ones carry a real question."""
        now, to_screen, to_ask = timezone.now(), [], []
        for partner, members in partners:
            for i, status in enumerate(STATUS_PLAN * 2):
                account = rng.choice(accounts)
                screened = status in {DealStatus.IN_REVIEW, DealStatus.NEEDS_INFO}
                deal = self._deal(rng, partner, members[i % 2], account, products,
                                  DealStatus.SUBMITTED if screened else status,
                                  now - timedelta(days=rng.randrange(1, 120), hours=rng.randrange(24)))
                if screened:
                    to_screen.append(deal)
                if status == DealStatus.NEEDS_INFO:
                    to_ask.append(deal)
        # The seed's scenario: two partners register the same end customer in one week.
        globex = Account(external_id="ACC-GLOBEX", name="Globex Corporation",
                         website="https://www.globex.example", country="US")
        account_apply_normalization(globex)
        (northwind, nw_members), (contoso, co_members) = partners[0], partners[1]
        to_screen.append(self._deal(rng, northwind, nw_members[1], globex, products,
                                    DealStatus.SUBMITTED, now - timedelta(days=4)))
        globex.name = "GLOBEX Corp."
        to_screen.append(self._deal(rng, contoso, co_members[1], globex, products,
                                    DealStatus.SUBMITTED, now - timedelta(days=1)))
        for deal in sorted(to_screen, key=lambda d: d.submitted_at):
            deal_screening_run(deal_id=deal.pk)
        for deal in to_ask:
            deal_request_info(actor=staff["partner"], deal=deal,
                              question="Who signs off the budget, and is it approved for this year?")
        return Deal.objects.count()

    def _deal(self, rng, partner, member, account, products, status, submitted) -> Deal:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        deal = Deal(
            partner=partner, created_by=member, owner=member, status=status,
            company_name=account.name, website=account.website, country=account.country,
            industry=account.industry, company_size=rng.choice(list(CompanySize)),
            contact_name=f"{first} {last}", contact_title="Head of IT",
            contact_email=f"{first.lower()}.{last.lower()}@{account.norm_domain}".encode(
                "ascii", "ignore").decode(),
            contact_phone=f"+1 415 555 {rng.randrange(10000):04d}",
            contact_authority=rng.choice(list(ContactAuthority)),
            need=rng.choice(NEEDS), urgency=rng.choice(list(Urgency)),
            timeline=f"Decision in Q{rng.randrange(1, 5)}",
            estimated_value=Decimal(rng.randrange(10, 900)) * 1000,
            introduction_path=rng.choice(list(IntroductionPath)),
            relationship_notes="We have delivered two projects for their operations team.",
            customer_consent=rng.random() < 0.85,
        )
        if status != DealStatus.DRAFT:
            deal.submitted_at = submitted
        if status not in {DealStatus.DRAFT, DealStatus.SUBMITTED}:
            deal.screening_started_at = submitted + timedelta(seconds=1)
        if status not in {DealStatus.DRAFT, DealStatus.SUBMITTED, DealStatus.SCREENING}:
            deal.screening_finished_at = submitted + timedelta(seconds=2)
        deal_apply_normalization(deal)
        deal.raw_input = {"company_name": deal.company_name, "website": deal.website}
        deal.save()
        deal.products.set(rng.sample(products, rng.randrange(1, 3)))
        audit_record(actor=None, action="deal.seed", target=deal,
                     after={"status": status}, reason="seed_demo")
        return deal
