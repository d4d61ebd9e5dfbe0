"""The tenant sweep: every URL of the project, asked for partner B's objects by partner A.

The sweep walks the whole URL tree (pages, the DRF router with its format-suffix variants,
staff pages and the admin), fills each path parameter with an id that belongs to partner B
and asks as partner A's admin, with GET and POST, by session and (for the API) by token.

* Partner-facing routes answer 404, exactly as for an id that does not exist, and change
  nothing: no deal, question, invitation or audit row moves.
* Staff routes (`reviews:*`, `crm:*`) and the admin answer 403 or send the partner to sign in.
* Pages that take no id (home, members, rules, profile, new deal, lists, exports) never
  show partner B's customers, members or invitations.
* Every sweep runs twice: with partner A's admin and with partner A's rep as the intruder.
* A parameterised route the sweep cannot fill fails `test_the_sweep_knows_how_to_fill_...`:
  whoever adds one must say here what it serves and whose id goes in it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.html import escape
from rest_framework.authtoken.models import Token

from attribution.tests import sweep
from audit.models import AuditEvent
from crm.choices import ImportKind
from crm.models import CrmImport
from distribution.tests import sweep as vl_sweep
from leads.choices import DealStatus
from leads.models import Deal, DealQuestion
from leads.tests.factories import DealFactory, DealQuestionFactory
from partners.models import Invitation, Membership

pytestmark = pytest.mark.django_db


# --- The URL tree ---------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One leaf URL pattern, with its full name and the parameters its path captures."""

    name: str | None  # "leads:deal-detail"; the API router's routes have no namespace
    route: str  # as ResolverMatch.route spells it
    params: tuple[str, ...]
    namespaces: tuple[str, ...]
    module: str  # the module of the view function

    @property
    def key(self) -> str:
        return self.name or self.route

    @property
    def test_id(self) -> str:
        return f"{self.key}[{','.join(self.params)}]" if self.params else self.key


def _walk(resolver: URLResolver, prefix: str = "", namespaces: tuple[str, ...] = (),
          params: tuple[str, ...] = ()) -> Iterator[Route]:
    for pattern in resolver.url_patterns:
        route = URLResolver._join_route(prefix, str(pattern.pattern))
        captured = params + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern, route, inner, captured)
        else:
            assert isinstance(pattern, URLPattern)
            name = ":".join(namespaces + (pattern.name,)) if pattern.name else None
            yield Route(name, route, captured, namespaces, pattern.callback.__module__)


ALL_ROUTES = list(_walk(get_resolver()))


def _is_allauth(route: Route) -> bool:
    return route.module.startswith("allauth.")


def _is_admin(route: Route) -> bool:
    return route.namespaces[:1] == ("admin",)


# Parameterised patterns the tenant mapping leaves out on purpose, and why.
EXCLUDED = {
    "allauth": (
        _is_allauth,
        "allauth's account and MFA flows: their parameters are one-time keys from e-mails "
        "(confirm-email, password reset), not ids of partner data, and allauth tests them.",
    ),
    "admin": (
        _is_admin,
        "Django admin is staff-only as a whole; test_the_admin_never_serves_a_partner "
        "asks every named admin pattern and expects 403 or sign-in.",
    ),
}


def _excluded_because(route: Route) -> str | None:
    for _key, (matches, reason) in EXCLUDED.items():
        if matches(route):
            return reason
    return None


# --- How to fill each parameterised route -----------------------------------------------


@dataclass
class World:
    """Partner B's objects whose ids partner A tries, partner A's own deal, a CRM import."""

    deal_b: Deal
    question_b: DealQuestion
    invitation_b: Invitation
    deal_a: Deal
    crm_import: CrmImport  # vendor data, no partner: only staff may see it


TENANT = "tenant"  # partner-facing and scoped: another partner's id answers 404
STAFF = "staff"  # vendor staff only: a partner gets 403 or is sent to sign in
PUBLIC_TOKEN = "public-token"  # public by design; an unknown token answers 404
STAFF_API = "staff-api"  # vendor staff API: anyone else gets 404, even for their own deal

FORMAT = lambda world: "json"  # noqa: E731
DEAL_B = lambda world: world.deal_b.pk  # noqa: E731


@dataclass(frozen=True)
class Fill:
    """What a route is (one of the kinds above) and how to build each of its parameters."""

    kind: str
    params: dict[str, Callable[[World], object]]
    methods: frozenset[str]  # the HTTP methods the view serves (others answer 404 or 405)
    api: bool = False


GET, POST = frozenset({"GET"}), frozenset({"POST"})
GET_POST = GET | POST

SWEEP: dict[str, Fill] = {
    "leads:deal-detail": Fill(TENANT, {"pk": DEAL_B}, GET),
    "leads:deal-edit": Fill(TENANT, {"pk": DEAL_B}, GET_POST),
    "leads:deal-submit": Fill(TENANT, {"pk": DEAL_B}, POST),
    "leads:deal-withdraw": Fill(TENANT, {"pk": DEAL_B}, POST),
    "leads:deal-delete": Fill(TENANT, {"pk": DEAL_B}, POST),
    "leads:deal-extension-request": Fill(TENANT, {"pk": DEAL_B}, POST),
    "leads:question-answer": Fill(TENANT, {"pk": lambda world: world.question_b.pk}, POST),
    "partners:invitation-revoke": Fill(TENANT, {"pk": lambda world: world.invitation_b.pk}, POST),
    "partners:member-role": Fill(TENANT, {"pk": lambda w: w.deal_b.created_by.membership.pk}, POST),
    "partners:member-deactivate": Fill(
        TENANT, {"pk": lambda w: w.deal_b.created_by.membership.pk}, GET_POST
    ),
    "partners:member-reactivate": Fill(
        TENANT, {"pk": lambda w: w.deal_b.created_by.membership.pk}, POST
    ),
    # Capability profile (issue 14): partner B's case study answers 404 to partner A.
    "partners:proof-point-edit": Fill(TENANT, {"pk": lambda w: _proof_point_of(w.deal_b)}, GET_POST),
    "partners:proof-point-delete": Fill(TENANT, {"pk": lambda w: _proof_point_of(w.deal_b)}, POST),
    "reviews:partner-profile": Fill(STAFF, {"pk": lambda w: w.deal_b.partner_id}, GET_POST),
    "partners:invitation-accept": Fill(
        PUBLIC_TOKEN, {"token": lambda world: secrets.token_urlsafe(32)}, GET_POST
    ),
    # Notifications belong to one user: partner B's admin's notification answers 404 to A.
    "notifications:open": Fill(TENANT, {"pk": lambda w: _notification_of(w.deal_b)}, POST),
    "notifications:unsubscribe": Fill(
        PUBLIC_TOKEN, {"token": lambda world: secrets.token_urlsafe(32)}, GET_POST
    ),
    "reviews:deal-detail": Fill(STAFF, {"pk": DEAL_B}, GET),
    "reviews:question-ask": Fill(STAFF, {"pk": DEAL_B}, POST),
    "reviews:deal-accept": Fill(STAFF, {"pk": DEAL_B}, POST),
    "reviews:deal-reject": Fill(STAFF, {"pk": DEAL_B}, POST),
    # Review tasks and extension requests (staff pages): partner B's, by their own ids.
    "reviews:task-claim": Fill(STAFF, {"pk": lambda w: _task_of(w.deal_b)}, POST),
    "reviews:task-assign": Fill(STAFF, {"pk": lambda w: _task_of(w.deal_b)}, POST),
    "reviews:task-close": Fill(STAFF, {"pk": lambda w: _task_of(w.deal_b)}, POST),
    "reviews:extension-decide": Fill(STAFF, {"pk": lambda w: _extension_of(w.deal_b)}, POST),
    "reviews:handoff-detail": Fill(STAFF, {"pk": DEAL_B}, GET_POST),
    "crm:crm-import-detail": Fill(STAFF, {"pk": lambda world: world.crm_import.pk}, GET),
    "crm:crm-import-errors": Fill(STAFF, {"pk": lambda world: world.crm_import.pk}, GET),
    # Attribution and compensation (staff pages): partner B's case, commission, statement,
    # dispute and attachment, by their own ids.
    "reviews:conflict-detail": Fill(STAFF, {"pk": lambda w: sweep.case_of(w.deal_b)}, GET),
    "reviews:conflict-resolve": Fill(STAFF, {"pk": lambda w: sweep.case_of(w.deal_b)}, POST),
    "reviews:commission-approve": Fill(STAFF, {"pk": lambda w: sweep.commission_of(w.deal_b)}, POST),
    "reviews:payout-detail": Fill(STAFF, {"pk": lambda w: sweep.payout_of(w.deal_b)}, GET),
    "reviews:payout-csv": Fill(STAFF, {"pk": lambda w: sweep.payout_of(w.deal_b)}, GET),
    "reviews:payout-mark-paid": Fill(STAFF, {"pk": lambda w: sweep.payout_of(w.deal_b)}, POST),
    "reviews:dispute-detail": Fill(STAFF, {"pk": lambda w: sweep.dispute_of(w.deal_b)}, GET),
    "reviews:dispute-resolve": Fill(STAFF, {"pk": lambda w: sweep.dispute_of(w.deal_b)}, POST),
    "reviews:dispute-attachment": Fill(STAFF, {"pk": lambda w: sweep.attachment_of(w.deal_b)}, GET),
    # Partner attribution pages (/partner/attribution/): partner B's line, file, statement.
    "attribution:dispute-create": Fill(TENANT, {"pk": lambda w: _attribution_of(w.deal_b)}, GET_POST),
    "attribution:attachment-download": Fill(
        TENANT, {"pk": lambda w: _attachment_of(w.deal_b)}, GET
    ),
    "attribution:statement-detail": Fill(TENANT, {"pk": lambda w: _statement_of(w.deal_b)}, GET),
    "attribution:statement-csv": Fill(TENANT, {"pk": lambda w: _statement_of(w.deal_b)}, GET),
    "deal-screening": Fill(STAFF_API, {"pk": DEAL_B}, GET, api=True),
    # The staff API (api/v1/staff/): 404 to every partner, even for its own deal's ids.
    "staff-deal-detail": Fill(STAFF_API, {"pk": DEAL_B}, GET, api=True),
    "staff-deal-screening": Fill(STAFF_API, {"pk": DEAL_B}, GET, api=True),
    "staff-deal-accept": Fill(STAFF_API, {"pk": DEAL_B}, POST, api=True),
    "staff-deal-reject": Fill(STAFF_API, {"pk": DEAL_B}, POST, api=True),
    "staff-deal-request-info": Fill(STAFF_API, {"pk": DEAL_B}, POST, api=True),
    "staff-task-assign": Fill(STAFF_API, {"pk": lambda w: _task_of(w.deal_b)}, POST, api=True),
    "staff-conflict-detail": Fill(STAFF_API, {"pk": lambda w: sweep.case_of(w.deal_b)}, GET, api=True),
    "staff-conflict-resolve": Fill(STAFF_API, {"pk": lambda w: sweep.case_of(w.deal_b)}, POST, api=True),
    "staff-commission-approve": Fill(
        STAFF_API, {"pk": lambda w: sweep.commission_of(w.deal_b)}, POST, api=True),
    "staff-payout-csv": Fill(STAFF_API, {"pk": lambda w: sweep.payout_of(w.deal_b)}, GET, api=True),
    # Attribution (partner API): partner B's deal and statement answer 404 to partner A.
    "deal-attribution": Fill(TENANT, {"pk": DEAL_B}, GET, api=True),
    "deal-disputes": Fill(TENANT, {"pk": DEAL_B}, POST, api=True),
    # Vendor leads and offers (issue 14): an offer made to partner B, B's deal's outcome
    # reports; staff pages and the staff API for the vendor's lead.
    "distribution:offer-detail": Fill(TENANT, {"pk": lambda w: vl_sweep.offer_of(w.deal_b)}, GET),
    "distribution:offer-accept": Fill(TENANT, {"pk": lambda w: vl_sweep.offer_of(w.deal_b)}, POST),
    "distribution:offer-decline": Fill(TENANT, {"pk": lambda w: vl_sweep.offer_of(w.deal_b)}, POST),
    "distribution:deal-outcomes": Fill(TENANT, {"pk": DEAL_B}, GET_POST),
    "reviews:vendor-lead-detail": Fill(STAFF, {"pk": lambda w: vl_sweep.lead_of(w.deal_b)}, GET),
    "reviews:vendor-lead-offer": Fill(STAFF, {"pk": lambda w: vl_sweep.lead_of(w.deal_b)}, POST),
    "reviews:vendor-lead-offer-approve": Fill(
        STAFF, {"pk": lambda w: vl_sweep.offer_of(w.deal_b)}, POST),
    "reviews:vendor-lead-import-detail": Fill(
        STAFF, {"pk": lambda w: vl_sweep.import_of(w.deal_b)}, GET),
    "offer-accept": Fill(TENANT, {"pk": lambda w: vl_sweep.offer_of(w.deal_b)}, POST, api=True),
    "offer-decline": Fill(TENANT, {"pk": lambda w: vl_sweep.offer_of(w.deal_b)}, POST, api=True),
    "deal-outcomes": Fill(TENANT, {"pk": DEAL_B}, GET_POST, api=True),
    "staff-vendor-lead-recommendations": Fill(
        STAFF_API, {"pk": lambda w: vl_sweep.lead_of(w.deal_b)}, GET, api=True),
    "staff-vendor-lead-offers": Fill(
        STAFF_API, {"pk": lambda w: vl_sweep.lead_of(w.deal_b)}, POST, api=True),
    "payout-csv": Fill(TENANT, {"pk": lambda w: sweep.payout_of(w.deal_b), "format": FORMAT}, GET,
                       api=True),
    # The DRF router (api/v1/). `format` would fill format-suffix variants (".json"); the
    # router has none today, and a list route gaining one fails the coverage test above.
    "deal-detail": Fill(TENANT, {"pk": DEAL_B, "format": FORMAT}, GET, api=True),
    "deal-submit": Fill(TENANT, {"pk": DEAL_B, "format": FORMAT}, POST, api=True),
    "deal-withdraw": Fill(TENANT, {"pk": DEAL_B, "format": FORMAT}, POST, api=True),
}

def _proof_point_of(deal: Deal) -> int:
    """A case study of the deal's organization, created on first use."""
    from partners.models import ProofPoint, Vocabulary

    point = ProofPoint.objects.filter(partner=deal.partner).first() or ProofPoint.objects.create(
        partner=deal.partner, title="Bravo case", outcome="Done", completed_on="2025-01-01",
        vertical=Vocabulary.objects.filter(kind="vertical").first())
    return point.pk


def _notification_of(deal: Deal) -> int:
    """A notification to the deal's creator that names the deal's company."""
    from reviews.models import Notification

    return Notification.objects.create(
        user=deal.created_by, kind="status_change", deal=deal,
        title=f"{deal.reference} {deal.company_name} is now In review").pk


def _task_of(deal: Deal) -> int:
    """The deal's open follow-up task (closable by hand), created on first use."""
    from django.utils import timezone

    from reviews.models import ReviewTask

    return ReviewTask.objects.get_or_create(
        deal=deal, kind="needs_info_followup", status="open",
        defaults={"partner": deal.partner, "due_at": timezone.now()})[0].pk


def _extension_of(deal: Deal) -> int:
    """The deal's pending extension request, created on first use."""
    from reviews.models import ExtensionRequest

    return ExtensionRequest.objects.get_or_create(
        deal=deal, status="pending",
        defaults={"partner": deal.partner, "requested_by": deal.created_by, "reason": "More time"})[0].pk


def _attribution_of(deal: Deal) -> int:
    """The deal's approved 100% credit line to its partner, created on first use."""
    from datetime import timedelta

    from django.utils import timezone

    from attribution.models import Attribution

    return Attribution.objects.get_or_create(
        deal=deal, partner=deal.partner, defaults={
            "source_deal": deal, "role": "sourced", "share": 100, "status": "approved",
            "dispute_until": timezone.now() + timedelta(days=30)})[0].pk


def _attachment_of(deal: Deal) -> int:
    """A file on a dispute of the deal's credit line, created on first use."""
    from attribution.models import Dispute, DisputeAttachment

    dispute = Dispute.objects.get_or_create(
        attribution_id=_attribution_of(deal), partner=deal.partner,
        defaults={"opened_by": deal.created_by, "text": f"{deal.company_name} is ours"})[0]
    return DisputeAttachment.objects.get_or_create(
        dispute=dispute, defaults={"file": "dispute_attachments/proof.pdf", "size": 9,
                                   "original_name": "proof.pdf", "content_type": "application/pdf"})[0].pk


def _statement_of(deal: Deal) -> int:
    """A payout statement of the deal's partner, created on first use."""
    from datetime import date

    from django.utils import timezone

    from attribution.models import PayoutStatement

    return PayoutStatement.objects.get_or_create(
        partner=deal.partner, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31),
        currency="USD", defaults={"total": 1, "issued_at": timezone.now(),
                                  "issued_by": deal.created_by})[0].pk


PARAMETERISED = [r for r in ALL_ROUTES if r.params and _excluded_because(r) is None]


def test_the_sweep_knows_how_to_fill_every_parameterised_route():
    """A new parameterised URL must be added to SWEEP (or to EXCLUDED, with a reason)."""
    unknown = [
        r.route for r in PARAMETERISED
        if r.key not in SWEEP or not set(r.params) <= set(SWEEP[r.key].params)
    ]
    assert unknown == [], f"Add these routes to SWEEP in {__file__}: {unknown}"


def test_the_sweep_mapping_names_only_routes_that_exist():
    stale = set(SWEEP) - {r.key for r in ALL_ROUTES}
    assert stale == set()


def test_the_sweep_covers_the_api_object_routes():
    api = {r.name for r in PARAMETERISED if r.route.startswith("api/v1/") and "pk" in r.params}
    assert {"deal-detail", "deal-submit", "deal-withdraw"} <= api


def test_the_exclusions_only_leave_out_allauth_and_the_admin():
    excluded = [r for r in ALL_ROUTES if r.params and _excluded_because(r) is not None]
    assert excluded, "expected allauth and admin patterns to be found by the walk"
    assert all(
        (r.name or "admin:").split(":")[0] == "admin" or r.name.startswith(("account_", "mfa_"))
        for r in excluded
    ), [r.route for r in excluded]


# --- Fixtures ---------------------------------------------------------------------------


@pytest.fixture
def world(partner_a, admin_a, partner_b, admin_b) -> World:
    deal_b = DealFactory(partner=partner_b, created_by=admin_b, company_name="Bravo Secret Customer AG")
    question_b = DealQuestionFactory(
        deal=DealFactory(partner=partner_b, created_by=admin_b, status=DealStatus.NEEDS_INFO,
                         company_name="Bravo Question Customer AG")
    )
    invitation_b = Invitation.objects.create(partner=partner_b, email="new@bravo.test", invited_by=admin_b)
    deal_a = DealFactory(partner=partner_a, created_by=admin_a, company_name="Alpha Own Customer SA")
    crm_import = CrmImport.objects.create(kind=ImportKind.ACCOUNTS, file="crm_imports/accounts.csv")
    return World(deal_b=deal_b, question_b=question_b, invitation_b=invitation_b, deal_a=deal_a,
                 crm_import=crm_import)


@pytest.fixture(params=["admin", "rep"])
def intruder(request, admin_a, rep_a):
    """Partner A's member who tries partner B's data: every sweep runs as an admin and a rep."""
    return admin_a if request.param == "admin" else rep_a


@pytest.fixture
def client_a(intruder) -> Client:
    """Overrides conftest's `client_a` (always the admin) for this module."""
    client = Client()
    client.force_login(intruder)
    return client


@pytest.fixture
def token_client_a(intruder) -> Client:
    token = Token.objects.create(user=intruder)
    return Client(headers={"authorization": f"Token {token.key}"})


def _state() -> dict:
    """Everything a cross-tenant request could change."""
    return {
        "deals": list(Deal.objects.order_by("pk").values_list(
            "pk", "partner_id", "status", "company_name", "updated_at", "submitted_at",
            "withdrawn_at", "raw_input",
        )),
        "questions": list(DealQuestion.objects.order_by("pk").values_list(
            "pk", "question", "answer", "answered_at", "answered_by_id",
        )),
        "invitations": list(Invitation.objects.order_by("pk").values_list(
            "pk", "accepted_at", "revoked_at",
        )),
        "memberships": list(Membership.objects.order_by("pk").values_list(
            "pk", "partner_id", "role", "user__is_active",
        )),
        "audit_events": AuditEvent.objects.count(),
    }


# Everything any view might accept, all valid: if a lookup were not scoped, it would act.
HOSTILE_FORM = {
    "company_name": "Hijacked Inc", "website": "hijacked.example", "country": "DE",
    "contact_name": "Mallory", "contact_email": "mallory@hijacked.example",
    "need": "Take over the deal.", "urgency": "high", "timeline": "now", "currency": "USD",
    "introduction_path": "outbound", "customer_consent": "on",
    "answer": "Hijacked answer", "reason": "Hijacked withdrawal", "question": "Hijacked?",
    "submit": "1", "role": "rep",
}
HOSTILE_JSON = {**HOSTILE_FORM, "customer_consent": True, "submit": True}


def _url(route: Route, world: World) -> str:
    fill = SWEEP[route.key]
    kwargs = {name: fill.params[name](world) for name in route.params}
    url = reverse(route.name, kwargs=kwargs)
    assert resolve(urlsplit(url).path).route == route.route, "reverse() picked another pattern"
    return url


def _request(client: Client, method: str, url: str, *, api: bool):
    if method == "GET":
        return client.get(url)
    if api:
        return client.post(url, data=json.dumps(HOSTILE_JSON), content_type="application/json")
    return client.post(url, data=HOSTILE_FORM)


def _is_sign_in_redirect(response) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    target = urlsplit(response["Location"]).path
    return target in {reverse("account_login"), reverse("admin:login"),
                      reverse("mfa_reauthenticate"), reverse("account_reauthenticate")}


# --- The sweep: partner routes ------------------------------------------------------------


def _cases(kinds: set[str]) -> list:
    cases = []
    for route in PARAMETERISED:
        fill = SWEEP.get(route.key)
        if fill is None or fill.kind not in kinds:
            continue
        auths = ["session", "token"] if fill.api else ["session"]
        for method in ("GET", "POST"):
            for auth in auths:
                cases.append(pytest.param(route, method, auth, id=f"{route.test_id}-{method}-{auth}"))
    return cases


@pytest.mark.parametrize(("route", "method", "auth"), _cases({TENANT}))
def test_partner_a_gets_404_for_partner_b_ids_and_nothing_changes(
    route, method, auth, world, client_a, token_client_a, intruder, rep_a
):
    client = client_a if auth == "session" else token_client_a
    url = _url(route, world)
    before = _state()

    response = _request(client, method, url, api=SWEEP[route.key].api)

    # A method the view does not serve may be refused before or after the lookup; a rep may
    # be refused an admin's action (403) before the lookup, for any id alike (see below).
    expected = {404} if method in SWEEP[route.key].methods else {404, 405}
    if intruder == rep_a:
        expected |= {403}
    assert response.status_code in expected
    assert _state() == before
    assert world.deal_b.company_name.encode() not in response.content
    assert world.question_b.deal.company_name.encode() not in response.content


@pytest.mark.parametrize(("route", "method", "auth"), _cases({TENANT}))
def test_partner_b_ids_answer_exactly_like_ids_that_do_not_exist(
    route, method, auth, world, client_a, token_client_a
):
    client = client_a if auth == "session" else token_client_a
    missing_url = reverse(route.name, kwargs={
        name: (987654321 if name == "pk" else SWEEP[route.key].params[name](world))
        for name in route.params
    })
    api = SWEEP[route.key].api

    for_b = _request(client, method, _url(route, world), api=api)
    for_missing = _request(client, method, missing_url, api=api)

    assert for_b.status_code == for_missing.status_code
    assert for_b["Content-Type"] == for_missing["Content-Type"]
    if api:
        assert for_b.json() == for_missing.json()


def test_the_tenant_sweep_reaches_partner_a_own_objects(world, client_a):
    """Control: the same routes with partner A's own id do answer, so the 404s mean something."""
    response = client_a.get(reverse("leads:deal-detail", args=[world.deal_a.pk]))
    assert response.status_code == 200
    api = client_a.get(reverse("deal-detail", kwargs={"pk": world.deal_a.pk}))
    assert api.status_code == 200
    assert api.json()["company_name"] == world.deal_a.company_name


@pytest.mark.parametrize(("route", "method", "auth"), _cases({STAFF_API}))
@pytest.mark.parametrize("whose", ["deal_b", "deal_a"])
def test_the_staff_api_answers_404_to_a_partner_even_for_its_own_deal(
    route, method, auth, whose, world, client_a, token_client_a
):
    client = client_a if auth == "session" else token_client_a
    deal = getattr(world, whose)
    # Task routes take the id of a task on that deal; the others the deal's own id.
    pk = _task_of(deal) if route.name.startswith("staff-task-") else deal.pk
    before = _state()

    response = _request(client, method, reverse(route.name, kwargs={"pk": pk}), api=True)

    assert response.status_code == 404
    assert deal.company_name.encode() not in response.content
    assert _state() == before


@pytest.mark.parametrize(("route", "method", "auth"), _cases({PUBLIC_TOKEN}))
def test_an_unknown_invitation_token_answers_404_and_changes_nothing(
    route, method, auth, world, client_a
):
    before = _state()

    response = _request(client_a, method, _url(route, world), api=False)

    assert response.status_code == 404
    assert _state() == before


# --- Staff routes and the admin -----------------------------------------------------------

STAFF_APPS = ("reviews", "crm")  # the staff pages; crm: the CRM imports under /staff/imports/
STAFF_ROUTES = [r for r in ALL_ROUTES if r.namespaces[:1] in {(app,) for app in STAFF_APPS}
                or r.route.startswith("staff/")]


def test_every_route_under_staff_belongs_to_a_staff_app():
    assert STAFF_ROUTES, "the walk found no staff routes"
    assert all(r.name and r.name.split(":")[0] in STAFF_APPS for r in STAFF_ROUTES)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("route", STAFF_ROUTES, ids=lambda r: r.test_id)
def test_staff_routes_refuse_a_partner(route, method, world, client_a, staff_client):
    fill = SWEEP.get(route.key)
    if route.params and fill is None:
        pytest.fail(f"{route.key} is not in SWEEP")
    url = reverse(route.name, kwargs={name: fill.params[name](world) for name in route.params})
    before = _state()

    response = _request(client_a, method, url, api=False)

    if response.status_code == 405:
        # Only acceptable when the route serves nobody this method, staff included.
        assert _request(staff_client, method, url, api=False).status_code == 405
    else:
        assert response.status_code == 403 or _is_sign_in_redirect(response), response.status_code
    assert _state() == before


ADMIN_ROUTES = [r for r in ALL_ROUTES if _is_admin(r) and r.name]


def _admin_kwargs(route: Route, world: World) -> dict:
    values = {
        "app_label": "leads",
        "content_type_id": ContentType.objects.get_for_model(Deal).pk,
        "id": world.deal_b.created_by_id,
    }
    return {name: values.get(name, world.deal_b.pk) for name in route.params}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: r.test_id)
def test_the_admin_never_serves_a_partner(route, method, world, client_a):
    url = reverse(route.name, kwargs=_admin_kwargs(route, world))
    before = _state()

    response = _request(client_a, method, url, api=False)
    # The admin sends a signed-out visitor from its logout page to its index first.
    hops = 0
    while (response.status_code == 302 and not _is_sign_in_redirect(response)
           and urlsplit(response["Location"]).path.startswith("/admin/") and hops < 3):
        response = client_a.get(response["Location"])
        hops += 1

    assert response.status_code == 403 or _is_sign_in_redirect(response), response.status_code
    assert _state() == before


def test_the_admin_login_page_refuses_a_signed_in_partner(client_a):
    response = client_a.get(reverse("admin:login"))
    assert response.status_code == 403


# --- Pages that take no id ------------------------------------------------------------------

# Every id-less route a partner can open (home, members, rules, profile, new deal, lists,
# exports, notifications, the API's list routes), found by the walk, so new ones are covered.
PARTNER_PAGES = [
    r for r in ALL_ROUTES
    if not r.params and r.name and not _is_allauth(r) and not _is_admin(r)
    and r not in STAFF_ROUTES and r.name not in {"api-schema", "api-docs", "healthz"}
]


def _partner_b_secrets(world: World, admin_b) -> list[str]:
    """What partner A must never read: B's customers, members, invitations and name."""
    return [world.deal_b.company_name, world.question_b.deal.company_name,
            world.deal_b.contact_email, admin_b.email, world.invitation_b.email,
            world.deal_b.partner.name]


def test_the_walk_finds_the_id_less_partner_pages():
    names = {r.name for r in PARTNER_PAGES}
    assert {"home", "partners:profile", "partners:member-list", "partners:rules",
            "leads:deal-list", "leads:deal-create", "deal-list"} <= names


@pytest.mark.parametrize("route", PARTNER_PAGES, ids=lambda r: r.test_id)
def test_id_less_partner_pages_never_show_another_organization(route, world, admin_b, client_a):
    response = client_a.get(reverse(route.name), follow=True)

    assert response.status_code < 500
    content = b"".join(response.streaming_content) if response.streaming else response.content
    for secret in _partner_b_secrets(world, admin_b):
        assert secret.encode() not in content, (route.name, secret)


def test_id_less_pages_do_show_partner_a_own_data(world, admin_a, rep_a):
    """Control for the test above: the same pages show A's deals, members and invitations."""
    invitation_a = Invitation.objects.create(partner=world.deal_a.partner, email="new@alpha.test",
                                             invited_by=admin_a)
    client = Client()
    client.force_login(admin_a)

    members = client.get(reverse("partners:member-list")).content.decode()
    deals = client.get(reverse("leads:deal-list")).content.decode()

    assert rep_a.email in members and invitation_a.email in members
    assert world.deal_a.company_name in deals


# --- Lists and search ---------------------------------------------------------------------


# (list URL name, how partner A signs in): pages take the session, the API both.
LISTINGS = [("leads:deal-list", "session"), ("deal-list", "session"), ("deal-list", "token")]


@pytest.mark.parametrize(("url_name", "auth"), LISTINGS, ids=lambda v: v)
@pytest.mark.parametrize("query", ["all", "company", "reference", "domain"])
def test_partner_a_lists_never_contain_partner_b_deals(
    url_name, auth, query, world, client_a, token_client_a
):
    client = client_a if auth == "session" else token_client_a
    search = {
        "all": "",
        "company": world.deal_b.company_name,
        "reference": world.deal_b.reference,
        "domain": world.deal_b.norm_domain,
    }[query]

    response = client.get(reverse(url_name), {"q": search} if search else {})

    assert response.status_code == 200
    # The page echoes the search term in its search box; that is A's own input, not B's data.
    content = response.content.decode().replace(f'value="{escape(search)}"', "")
    assert world.deal_b.company_name not in content
    assert world.deal_b.reference not in content
    assert world.deal_b.contact_email not in content


@pytest.mark.parametrize(("url_name", "auth"), LISTINGS, ids=lambda v: v)
def test_partner_a_search_finds_its_own_deal(url_name, auth, world, client_a, token_client_a):
    """Control for the list test above: search works and the list shows company names."""
    client = client_a if auth == "session" else token_client_a
    response = client.get(reverse(url_name), {"q": world.deal_a.company_name})

    assert response.status_code == 200
    assert world.deal_a.company_name.encode() in response.content
