"""Matching vendor leads to partner organizations by published merit criteria.

`recommend(lead=...)` scores every partner organization against the lead's needs in one
aggregate SQL statement (common table expressions over claims, proof points, offers, deals
and outcome reports, joined to the organizations; no per-partner Python), ranks the
eligible ones, rotates near-ties by fewest recent offers received, and stores a
`Recommendation` with each factor's score, weight and evidence, the exclusions with their
reasons, and a deterministic summary. The same statement, limited to one organization
and matched against its own claims, gives the partner's scorecard.

Two passes, a fixed number of statements whatever the number of organizations:

1. The first pass reads every organization once: its tier, status, profile (capacity and
   the derived term lists below), acceptance of the current agreement, the lead-relevant
   case studies' value, its open vendor-lead load, overdue reports, and its offers of this
   lead. It yields every exclusion exactly (and the counts per reason), and for each
   eligible organization an upper bound of its score: need factors, case studies,
   capacity and tier exact, the track-record factors at their best.
2. The second pass scores the SHORTLIST best bounds (and the best-bounded excluded ones)
   exactly from the raw tables (claims included), with the near-tie rotation; it widens
   (x4) while an organization left out could still reach the top or the near-tie band.

The first pass never reads the claims: each `CapabilityProfile` carries its claimed term
ids as two short strings, verified and unverified ("|3|17|42|"), and the same two sets as
bitmaps (bit t % 8 of byte t // 8). A lead's need points are one CASE per term it names:
on PostgreSQL a `get_bit` test of the bitmaps (a tenth of the first pass cheaper than
LIKE over 10,000 profiles), on SQLite a LIKE over the strings. These lists are derived
data, rebuilt for an organization by `partners.services.profile_terms_refresh` inside the
services that change claims (`profile_save`, `profile_verify`; the admin cannot add or
change claims), backfilled by migrations and by `manage.py matching_terms_rebuild`. Nothing time-dependent or owned by other apps (offers,
deals, reports, agreements, tiers) is copied: those stay exact at the time of the call.
`tests/test_matching_terms.py` checks after a series of changes that the lists and the
bitmaps equal the claims and that the result equals the exact statement run over every
organization.

What only some organizations have (relevant case studies, open vendor leads, overdue deals,
offers; in the second pass also the track record) is gathered in one UNION ALL grouped by
organization, so each organization meets one join instead of one per aggregate. On
PostgreSQL the scoring runs in recommend's transaction after SET LOCAL
max_parallel_workers_per_gather = 0 (see `_serial`): 11 statements per call there, 10 on
SQLite, whatever the number of organizations.

Scores: every factor is 0..1; the total is the weighted mean of the factors that apply to
the lead (a lead naming no language leaves the language factor out), times 100.
The stored summary is deterministic (built from the evidence, never from customer or
partner free text); with Anthropic configured, `distribution.summary` replaces it after
commit on the worker, under the screening's safety rules.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import audit_record
from distribution.choices import (
    DEFAULT_WEIGHTS,
    Exclusion,
    Factor,
)
from distribution.models import MatchingWeights, OutcomeReport, Recommendation, VendorLead
from leads.choices import CompanySize, DealStatus, SummaryEngine
from leads.models import Deal
from partners.choices import ProgramStatus, VocabularyKind
from partners.models import CapabilityClaim, PartnerOrganization, Vocabulary

# An unverified claim or case study counts this much of a verified one.
UNVERIFIED_CREDIT = 0.5
# A case study older than this many days counts half.
RECENT_DAYS = 730
# A referenceable case study counts this many times a plain one.
REFERENCEABLE_BONUS = 1.5
# This much case-study value (three recent, verified, fully relevant ones) scores 1.
PROOF_SATURATION = 3.0
# Offers received in this many days decide the order among near-ties.
ROTATION_DAYS = 30
# Reporting compliance looks at deals accepted in this many days.
COMPLIANCE_DAYS = 365
TOP_N = 3
# Organizations scored exactly after the bounded first pass (grows when it might miss one:
# at 40, 1 lead in 20 of the benchmark's grew, re-running both passes; at 60, 1 in 200).
SHORTLIST = 60
# Fractional sums are cast to floating point: PostgreSQL's numeric arithmetic is far slower.
FLOAT = "DOUBLE PRECISION"
EXCLUDED_SHOWN = 10

# Lead-need factors and the vocabulary kinds each compares.
NEED_FACTORS: dict[str, tuple[str, ...]] = {
    Factor.VERTICAL: (VocabularyKind.VERTICAL,),
    Factor.SEGMENT: (VocabularyKind.SEGMENT,),
    Factor.USE_CASE: (VocabularyKind.USE_CASE,),
    Factor.REGION: (VocabularyKind.REGION,),
    Factor.LANGUAGE: (VocabularyKind.LANGUAGE,),
    Factor.CAPABILITIES: (VocabularyKind.CAPABILITY, VocabularyKind.CERTIFICATION),
}
OPEN_DEAL = (DealStatus.ACCEPTED, DealStatus.CONVERTED)
DECIDED_DEAL = (DealStatus.ACCEPTED, DealStatus.CONVERTED, DealStatus.WON, DealStatus.LOST)

_SIZE_SEGMENT = {CompanySize.XS: "smb", CompanySize.S: "smb", CompanySize.M: "mid-market",
                 CompanySize.L: "enterprise", CompanySize.XL: "enterprise"}


# --- settings -----------------------------------------------------------------------------


def weights_current() -> MatchingWeights:
    """The current matching settings: the highest version (v1 is seeded by a migration)."""
    current = MatchingWeights.objects.order_by("-version").first()
    if current is None:  # only when the seed row was deleted by hand
        current = MatchingWeights.objects.create(
            version=1, weights={str(k): v for k, v in DEFAULT_WEIGHTS.items()})
    return current


def weights_publish(
    *, actor, weights: dict[str, float], near_tie_margin: Decimal | float | int,
    offer_sla_hours: int, auto_cascade: bool, report_cadence_days: int, note: str = "",
) -> MatchingWeights:
    """Publish a new version of the matching settings (rows are never edited). Audited.

    Raises ValidationError naming the field for bad weights. Results computed before keep
    pointing at the version they used.
    """
    with transaction.atomic():
        last = (MatchingWeights.objects.select_for_update().order_by("-version")
                .values_list("version", flat=True).first() or 0)
        row = MatchingWeights(
            version=last + 1, weights={str(k): v for k, v in weights.items()},
            near_tie_margin=near_tie_margin, offer_sla_hours=offer_sla_hours,
            auto_cascade=auto_cascade, report_cadence_days=report_cadence_days, note=note,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        row.full_clean()
        row.save()
        audit_record(actor=actor, action="matching_weights.publish", target=row,
                     after=_weights_dict(row), reason=note)
    return row


def _weights_dict(row: MatchingWeights) -> dict[str, Any]:
    return {"version": row.version, "weights": row.weights,
            "near_tie_margin": str(row.near_tie_margin), "offer_sla_hours": row.offer_sla_hours,
            "auto_cascade": row.auto_cascade, "report_cadence_days": row.report_cadence_days}


# --- needs --------------------------------------------------------------------------------


def lead_needs(lead: VendorLead) -> dict[str, list[Vocabulary]]:
    """The lead's needs by vocabulary kind (one query, or none when `terms` is prefetched)."""
    needs: dict[str, list[Vocabulary]] = {kind: [] for kind in VocabularyKind.values}
    for term in lead.terms.all():
        needs[term.kind].append(term)
    return needs


def segment_for_size(company_size: str) -> Vocabulary | None:
    """The seeded segment term for a company size (SMB, mid-market, enterprise), if any."""
    slug = _SIZE_SEGMENT.get(company_size)
    if not slug:
        return None
    return Vocabulary.objects.filter(kind=VocabularyKind.SEGMENT, slug=slug, active=True).first()


# --- outcome reporting ----------------------------------------------------------------------


def reports_overdue(*, now: datetime | None = None, partner=None) -> QuerySet[Deal]:
    """Deals whose outcome report is overdue: accepted or converted, and neither a report
    nor the acceptance lies within the program's reporting cadence. The one definition
    used by matching (exclusion), reminders and the partner's compliance figure.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=weights_current().report_cadence_days)
    deals = Deal.objects.filter(status__in=OPEN_DEAL, decided_at__lt=cutoff)
    if partner is not None:
        deals = deals.for_partner(partner)
    return (deals.annotate(last_report_at=Max("outcome_reports__reported_at"))
            .exclude(last_report_at__gte=cutoff))


def reporting_compliance(*, partner, now: datetime | None = None) -> dict[str, int | float]:
    """The partner's reporting record: deals accepted in the last year that were due a
    report (older than one cadence), how many have one, and how many are overdue now."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=weights_current().report_cadence_days)
    due = Deal.objects.for_partner(partner).filter(
        status__in=DECIDED_DEAL, decided_at__lt=cutoff,
        decided_at__gte=now - timedelta(days=COMPLIANCE_DAYS))
    due_count = due.count()
    reported = OutcomeReport.objects.for_partner(partner).filter(deal__in=due).values(
        "deal").distinct().count()
    overdue = reports_overdue(now=now, partner=partner).count()
    return {"due": due_count, "reported": reported, "overdue": overdue,
            "rate": round(reported / due_count, 3) if due_count else 1.0}


# --- the scoring statement ------------------------------------------------------------------


@dataclass(frozen=True)
class _Params:
    needs: dict[str, list[int]]  # factor -> term ids
    weights: MatchingWeights
    now: datetime
    lead_id: int | None = None
    partner_ids: tuple[int, ...] | None = None  # None: every organization


def _ids(values) -> str:
    """An inlined IN list of integers (ids from the database, cast: nothing user-typed)."""
    return ",".join(str(int(v)) for v in values) or "NULL"


def _in(column: str, values) -> str:
    return f"{column} IN ({_ids(values)})" if values else "1=0"


def _cap(expr: str) -> str:
    """expr clipped to 0..1 (SQLite spells LEAST/GREATEST as the scalar MIN/MAX)."""
    if connection.vendor == "postgresql":
        return f"LEAST(GREATEST({expr}, 0.0), 1.0)"
    return f"MIN(MAX({expr}, 0.0), 1.0)"


def _seconds(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _applicable(p: _Params) -> dict[str, bool]:
    """Which factors apply to this lead: a need factor only when the lead names its terms."""
    applies = {f: bool(p.needs.get(f)) for f in NEED_FACTORS}
    applies[Factor.PROOF_POINTS] = bool(p.needs.get(Factor.VERTICAL) or p.needs.get(Factor.USE_CASE))
    for f in HISTORY_FACTORS + (Factor.CAPACITY, Factor.TIER):
        applies[f] = True
    return {f: a and p.weights.weight(f) > 0 for f, a in applies.items()}


# Factors that read the organization's track record; the shortlist assumes their best.
HISTORY_FACTORS = (Factor.ACCEPTANCE_SPEED, Factor.WIN_RATE, Factor.REPORTING)


def _sql_params(p: _Params) -> dict[str, Any]:
    adapt = connection.ops.adapt_datetimefield_value
    return {
        "rotation_since": adapt(p.now - timedelta(days=ROTATION_DAYS)),
        "cadence_cutoff": adapt(p.now - timedelta(days=p.weights.report_cadence_days)),
        "compliance_since": adapt(p.now - timedelta(days=COMPLIANCE_DAYS)),
        "current": True,
        "margin": float(p.weights.near_tie_margin),
    }


def _float(value: float) -> str:
    """A floating-point literal (a bare 1.5 is NUMERIC to PostgreSQL; the cast is folded)."""
    return f"CAST({float(value)!r} AS {FLOAT})"


def _need_points_sql(p: _Params) -> str:
    """The first pass's weighted sum of the need factors over a profile row `pr`: each term
    the lead names is worth weight(f) / (terms of f the lead names), in full when the
    profile's verified term list holds it, times UNVERIFIED_CREDIT when its unverified
    one does (a claim is unique per term, so no factor exceeds its weight: no cap)."""
    applies = _applicable(p)
    n = p.needs
    worth = {t: p.weights.weight(f) / len(n[f]) for f in NEED_FACTORS if applies[f] for t in n[f]}
    cases = [f"CASE WHEN {_holds('verified', t)} THEN {_float(w)} "
             f"WHEN {_holds('unverified', t)} "
             f"THEN {_float(w * UNVERIFIED_CREDIT)} ELSE {_float(0)} END"
             for t, w in worth.items()]
    return " + ".join(cases) or _float(0)


def _holds(which: str, term_id: int) -> str:
    """Whether the profile row `pr`'s verified or unverified term set holds term_id: on
    PostgreSQL a bit test of its bitmap (a bitmap ends at its highest term's byte, hence
    the length test first), elsewhere a LIKE over its "|3|17|42|" list. The bit test
    costs about a tenth of the first pass less over 10,000 profiles (measured)."""
    t = int(term_id)
    if connection.vendor == "postgresql":
        bits = f"pr.terms_{which}_bits"
        return f"(octet_length({bits}) > {t >> 3} AND get_bit({bits}, {t}) = 1)"
    return f"pr.terms_{which} LIKE '%%|{t}|%%'"


def _proof_sql(p: _Params) -> tuple[str, str, str]:
    """A case study's value, the filter of the lead-relevant ones, and its recency test
    (over a proof point row `pp`). A case study is relevant when it matches the lead's
    vertical or use case; its value grows with each of vertical, use case, segment and
    region that matches, and with verification, recency and referenceability."""
    n = p.needs
    dims = [(col, n[f]) for col, f in (("vertical_id", Factor.VERTICAL),
                                       ("use_case_id", Factor.USE_CASE),
                                       ("segment_id", Factor.SEGMENT),
                                       ("region_id", Factor.REGION)) if n[f]]
    one, zero = _float(1), _float(0)
    relevance = ("(" + " + ".join(f"CASE WHEN {_in('pp.' + c, v)} THEN {one} ELSE {zero} END"
                                  for c, v in dims) + f") / {_float(len(dims))}") if dims else zero
    recent_day = (p.now - timedelta(days=RECENT_DAYS)).date().isoformat()
    recent = f"pp.completed_on >= '{recent_day}'"
    value = (f"(CASE WHEN pp.verified_at IS NOT NULL THEN {one} ELSE {_float(UNVERIFIED_CREDIT)} END)"
             f" * (CASE WHEN {recent} THEN {one} ELSE {_float(0.5)} END)"
             f" * (CASE WHEN pp.referenceable THEN {_float(REFERENCEABLE_BONUS)} ELSE {one} END)"
             f" * {relevance}")
    relevant = " OR ".join([_in("pp.vertical_id", n[Factor.VERTICAL]),
                            _in("pp.use_case_id", n[Factor.USE_CASE])])
    return value, f"({relevant})", recent


_STOPPED = f"'{ProgramStatus.SUSPENDED}', '{ProgramStatus.TERMINATED}'"
_OPEN = "d.status IN ('accepted', 'converted')"
_OVERDUE = f"""{_OPEN} AND d.decided_at < %(cadence_cutoff)s
    AND NOT EXISTS (SELECT 1 FROM {{report}} r
                    WHERE r.deal_id = d.id AND r.reported_at >= %(cadence_cutoff)s)"""  # noqa: S608
_REFUSED = "o.status IN ('declined', 'timed_out')"
_HOLDING = "o.status IN ('pending_approval', 'offered', 'accepted')"


def _first_ctes(p: _Params) -> str:
    """The first pass's `base`: every organization with what bounds its score and every
    exclusion. The claims are not read (the need points come from the profile's derived
    term lists), and what few organizations have (relevant case studies, open vendor
    leads, overdue deals, offers of this lead) is gathered in one UNION ALL grouped by
    organization, so that each organization meets one join per table, not one per
    aggregate. The current agreement is a scalar subquery (at most one version is current):
    its acceptances join on one key, not on a cross join of every organization with it."""
    q = connection.ops.quote_name
    value, relevant, _recent = _proof_sql(p)
    zero = _float(0)
    lead = f"o.lead_id = {int(p.lead_id)}" if p.lead_id else "1=0"
    overdue = _OVERDUE.format(report=q("distribution_outcomereport"))
    return f"""
tiers AS (
  SELECT MAX(t2.rank) AS max_rank FROM {q("partners_tier")} t2
), cur AS (
  SELECT v.id FROM {q("partners_agreementversion")} v WHERE v.is_current = %(current)s
), sparse AS (
  SELECT partner_id, SUM(pp_value) AS pp_value, SUM(k) AS k, MAX(overdue) AS overdue,
    SUM(refused) AS refused, SUM(holding) AS holding FROM (
    SELECT pp.partner_id, {value} AS pp_value, 0 AS k, 0 AS overdue, 0 AS refused,
      0 AS holding
    FROM {q("partners_proofpoint")} pp WHERE {relevant}
    UNION ALL
    SELECT d.partner_id, {zero}, 1, 0, 0, 0 FROM {q("leads_deal")} d
    WHERE d.vendor_lead_id IS NOT NULL AND {_OPEN}
    UNION ALL
    SELECT o.partner_id, {zero}, 1, 0, 0, 0 FROM {q("distribution_offer")} o
    WHERE o.status = 'offered'
    UNION ALL
    SELECT d.partner_id, {zero}, 0, 1, 0, 0 FROM {q("leads_deal")} d WHERE {overdue}
    UNION ALL
    SELECT o.partner_id, {zero}, 0, 0, CASE WHEN {_REFUSED} THEN 1 ELSE 0 END,
      CASE WHEN {_HOLDING} THEN 1 ELSE 0 END
    FROM {q("distribution_offer")} o WHERE {lead}
  ) u GROUP BY partner_id
), base AS NOT MATERIALIZED (
  SELECT p.id AS partner_id, t.rank AS tier_rank, tiers.max_rank, pr.capacity,
    COALESCE(sp.k, 0) AS load_n, COALESCE(sp.pp_value, 0) AS pp_value,
    CAST({_need_points_sql(p)} AS {FLOAT}) AS need_points,
    CASE WHEN pr.id IS NULL THEN 1 ELSE 0 END AS x_no_profile,
    CASE WHEN p.program_status IN ({_STOPPED}) THEN 1 ELSE 0 END AS x_status,
    CASE WHEN acc.id IS NULL AND EXISTS (SELECT 1 FROM cur) THEN 1 ELSE 0 END
      AS x_no_agreement,
    CASE WHEN pr.id IS NOT NULL AND COALESCE(sp.k, 0) >= pr.capacity THEN 1 ELSE 0 END
      AS x_at_capacity,
    CASE WHEN COALESCE(sp.overdue, 0) > 0 THEN 1 ELSE 0 END AS x_overdue_reports,
    CASE WHEN COALESCE(sp.refused, 0) > 0 THEN 1 ELSE 0 END AS x_declined,
    CASE WHEN COALESCE(sp.holding, 0) > 0 THEN 1 ELSE 0 END AS x_offered
  FROM {q("partners_partnerorganization")} p
  JOIN {q("partners_tier")} t ON t.id = p.tier_id
  CROSS JOIN tiers
  LEFT JOIN {q("partners_capabilityprofile")} pr ON pr.partner_id = p.id
  LEFT JOIN {q("partners_agreementacceptance")} acc
    ON acc.partner_id = p.id AND acc.version_id = (SELECT cur.id FROM cur)
  LEFT JOIN sparse sp ON sp.partner_id = p.id
)"""  # noqa: S608


def _exact_ctes(p: _Params) -> str:
    """The second pass's per-organization aggregates (claims and case studies each grouped
    by organization; offers, deals and reports in one UNION ALL grouped by organization),
    and `base`: every organization in p.partner_ids (or every one) with its raw figures
    and exclusions."""
    q = connection.ops.quote_name
    ids = p.partner_ids
    pf = (lambda col: f" AND {col} IN ({_ids(ids)})") if ids is not None else (lambda col: "")
    n = p.needs
    all_terms = [t for v in n.values() for t in v]
    claim_cols = []
    credit = f"CASE WHEN c.verified_at IS NOT NULL THEN 1.0 ELSE {UNVERIFIED_CREDIT} END"
    for f in NEED_FACTORS:
        if not n[f]:
            claim_cols += [f"0.0 AS cr_{f}", f"0 AS n_{f}", f"0 AS v_{f}"]
            continue
        cond = _in("c.term_id", n[f])
        claim_cols += [
            f"CAST(SUM(CASE WHEN {cond} THEN {credit} ELSE 0 END) AS {FLOAT}) AS cr_{f}",
            f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS n_{f}",
            f"SUM(CASE WHEN {cond} AND c.verified_at IS NOT NULL THEN 1 ELSE 0 END) AS v_{f}"]
    value, relevant, recent = _proof_sql(p)
    zero = _float(0)
    # Typed, or PostgreSQL resolves the first UNION ALL pair's NULLs as text.
    no_time = ("CAST(NULL AS TIMESTAMP WITH TIME ZONE)" if connection.vendor == "postgresql"
               else "NULL")
    lead = f"o.lead_id = {int(p.lead_id)}" if p.lead_id else "1=0"
    overdue = _OVERDUE.format(report=q("distribution_outcomereport"))
    need_cols = ", ".join(f"COALESCE(cl.cr_{f}, 0) AS cr_{f}, COALESCE(cl.n_{f}, 0) AS n_{f}, "
                          f"COALESCE(cl.v_{f}, 0) AS v_{f}" for f in NEED_FACTORS)
    return f"""
tiers AS (
  SELECT MAX(t2.rank) AS max_rank FROM {q("partners_tier")} t2
), claims AS (
  SELECT c.partner_id, {", ".join(claim_cols)}
  FROM {q("partners_capabilityclaim")} c
  WHERE {_in("c.term_id", all_terms)}{pf("c.partner_id")}
  GROUP BY c.partner_id
), proofs AS (
  SELECT pp.partner_id, COUNT(*) AS pp_n,
    SUM(CASE WHEN pp.verified_at IS NOT NULL THEN 1 ELSE 0 END) AS pp_verified,
    SUM(CASE WHEN pp.referenceable THEN 1 ELSE 0 END) AS pp_ref,
    SUM(CASE WHEN {recent} THEN 1 ELSE 0 END) AS pp_recent,
    CAST(SUM({value}) AS {FLOAT}) AS pp_value
  FROM {q("partners_proofpoint")} pp
  WHERE {relevant}{pf("pp.partner_id")}
  GROUP BY pp.partner_id
), sparse AS (
  SELECT partner_id, SUM(k) AS k, SUM(overdue) AS overdue, SUM(refused) AS refused,
    SUM(holding) AS holding, SUM(answered) AS answered, SUM(accepted) AS accepted,
    SUM(timed_out) AS timed_out, SUM(answer_seconds) AS answer_seconds,
    SUM(recent_offers) AS recent_offers, MAX(last_offered_at) AS last_offered_at,
    SUM(won) AS won, SUM(lost) AS lost, SUM(due) AS due, SUM(reported) AS reported FROM (
    SELECT d.partner_id, 1 AS k, 0 AS overdue, 0 AS refused, 0 AS holding, 0 AS answered,
      0 AS accepted, 0 AS timed_out, {zero} AS answer_seconds, 0 AS recent_offers,
      {no_time} AS last_offered_at, 0 AS won, 0 AS lost, 0 AS due, 0 AS reported
    FROM {q("leads_deal")} d WHERE d.vendor_lead_id IS NOT NULL AND {_OPEN}{pf("d.partner_id")}
    UNION ALL
    SELECT o.partner_id, 1, 0, 0, 0, 0, 0, 0, {zero}, 0, {no_time}, 0, 0, 0, 0
    FROM {q("distribution_offer")} o WHERE o.status = 'offered'{pf("o.partner_id")}
    UNION ALL
    SELECT d.partner_id, 0, 1, 0, 0, 0, 0, 0, {zero}, 0, {no_time}, 0, 0, 0, 0
    FROM {q("leads_deal")} d WHERE {overdue}{pf("d.partner_id")}
    UNION ALL
    SELECT o.partner_id, 0, 0, CASE WHEN {_REFUSED} THEN 1 ELSE 0 END,
      CASE WHEN {_HOLDING} THEN 1 ELSE 0 END, 0, 0, 0, {zero}, 0, {no_time}, 0, 0, 0, 0
    FROM {q("distribution_offer")} o WHERE {lead}
    UNION ALL
    SELECT o.partner_id, 0, 0, 0, 0,
      CASE WHEN o.status IN ('accepted', 'declined') THEN 1 ELSE 0 END,
      CASE WHEN o.status = 'accepted' THEN 1 ELSE 0 END,
      CASE WHEN o.status = 'timed_out' THEN 1 ELSE 0 END,
      CASE WHEN o.status IN ('accepted', 'declined')
        THEN CAST({_seconds("o.responded_at", "o.offered_at")} AS {FLOAT}) ELSE {zero} END,
      CASE WHEN o.offered_at >= %(rotation_since)s THEN 1 ELSE 0 END, o.offered_at,
      0, 0, 0, 0
    FROM {q("distribution_offer")} o WHERE o.offered_at IS NOT NULL{pf("o.partner_id")}
    UNION ALL
    SELECT d.partner_id, 0, 0, 0, 0, 0, 0, 0, {zero}, 0, {no_time},
      CASE WHEN d.status = 'won' THEN 1 ELSE 0 END, CASE WHEN d.status = 'lost' THEN 1 ELSE 0 END,
      0, 0
    FROM {q("leads_deal")} d WHERE d.status IN ('won', 'lost'){pf("d.partner_id")}
    UNION ALL
    SELECT d.partner_id, 0, 0, 0, 0, 0, 0, 0, {zero}, 0, {no_time}, 0, 0, 1,
      CASE WHEN EXISTS (SELECT 1 FROM {q("distribution_outcomereport")} r
                        WHERE r.deal_id = d.id{pf("r.partner_id")}) THEN 1 ELSE 0 END
    FROM {q("leads_deal")} d
    WHERE d.status IN ('accepted', 'converted', 'won', 'lost')
      AND d.decided_at < %(cadence_cutoff)s AND d.decided_at >= %(compliance_since)s{pf("d.partner_id")}
  ) u GROUP BY partner_id
), base AS MATERIALIZED (
  SELECT p.id AS partner_id, p.name, t.name AS tier_name, t.rank AS tier_rank, tiers.max_rank,
    pr.capacity, COALESCE(sp.k, 0) AS load_n, {need_cols},
    COALESCE(ps.pp_n, 0) AS pp_n, COALESCE(ps.pp_verified, 0) AS pp_verified,
    COALESCE(ps.pp_ref, 0) AS pp_ref, COALESCE(ps.pp_recent, 0) AS pp_recent,
    COALESCE(ps.pp_value, 0) AS pp_value, COALESCE(sp.overdue, 0) AS overdue,
    COALESCE(sp.answered, 0) AS answered, COALESCE(sp.accepted, 0) AS accepted_offers,
    COALESCE(sp.timed_out, 0) AS timed_out, COALESCE(sp.answer_seconds, 0) AS answer_seconds,
    COALESCE(sp.recent_offers, 0) AS recent_offers, sp.last_offered_at,
    COALESCE(sp.won, 0) AS won, COALESCE(sp.lost, 0) AS lost,
    COALESCE(sp.due, 0) AS due, COALESCE(sp.reported, 0) AS reported,
    CASE WHEN pr.id IS NULL THEN 1 ELSE 0 END AS x_no_profile,
    CASE WHEN p.program_status IN ({_STOPPED}) THEN 1 ELSE 0 END AS x_status,
    CASE WHEN cur.id IS NOT NULL AND acc.id IS NULL THEN 1 ELSE 0 END AS x_no_agreement,
    CASE WHEN pr.id IS NOT NULL AND COALESCE(sp.k, 0) >= pr.capacity THEN 1 ELSE 0 END AS x_at_capacity,
    CASE WHEN COALESCE(sp.overdue, 0) > 0 THEN 1 ELSE 0 END AS x_overdue_reports,
    CASE WHEN COALESCE(sp.refused, 0) > 0 THEN 1 ELSE 0 END AS x_declined,
    CASE WHEN COALESCE(sp.holding, 0) > 0 THEN 1 ELSE 0 END AS x_offered
  FROM {q("partners_partnerorganization")} p
  JOIN {q("partners_tier")} t ON t.id = p.tier_id
  CROSS JOIN tiers
  LEFT JOIN {q("partners_capabilityprofile")} pr ON pr.partner_id = p.id
  LEFT JOIN {q("partners_agreementversion")} cur ON cur.is_current = %(current)s
  LEFT JOIN {q("partners_agreementacceptance")} acc
    ON acc.partner_id = p.id AND acc.version_id = cur.id
  LEFT JOIN claims cl ON cl.partner_id = p.id
  LEFT JOIN proofs ps ON ps.partner_id = p.id
  LEFT JOIN sparse sp ON sp.partner_id = p.id
  WHERE 1=1{pf("p.id")}
)"""  # noqa: S608


def _factor_exprs(p: _Params, *, history: bool) -> dict[str, str]:
    """Each factor's 0..1 score over a row `b` of base; without history, the track-record
    factors count as 1 (an upper bound, for the shortlist) and the need factors are left
    to `need_points`."""
    sla = float(p.weights.offer_sla_hours)
    out = {}
    for f in NEED_FACTORS if history else ():
        need = len(p.needs[f])
        out[f] = f"b.cr_{f} / {need}.0" if need else "0.0"
    out[Factor.PROOF_POINTS] = _cap(f"b.pp_value / {PROOF_SATURATION}")
    out[Factor.CAPACITY] = ("CASE WHEN b.capacity IS NULL OR b.capacity = 0 THEN 0.0 ELSE "
                            + _cap(f"CAST(b.capacity - b.load_n AS {FLOAT}) / b.capacity") + " END")
    out[Factor.TIER] = (f"CASE WHEN COALESCE(b.max_rank, 0) = 0 THEN 0.0 "
                        f"ELSE CAST(b.tier_rank AS {FLOAT}) / b.max_rank END")
    if not history:
        return out | {f: "1.0" for f in HISTORY_FACTORS}
    speed = _cap(f"1.0 - ((b.answer_seconds / 3600.0) + b.timed_out * {sla}) / "
                 f"((b.answered + b.timed_out) * {sla})")
    out[Factor.ACCEPTANCE_SPEED] = f"CASE WHEN b.answered + b.timed_out = 0 THEN 0.5 ELSE {speed} END"
    out[Factor.WIN_RATE] = f"CAST(b.won + 1 AS {FLOAT}) / (b.won + b.lost + 2)"
    out[Factor.REPORTING] = f"CASE WHEN b.due = 0 THEN 1.0 ELSE CAST(b.reported AS {FLOAT}) / b.due END"
    return out


def _total_sql(p: _Params, exprs: dict[str, str] | None = None) -> str:
    """The weighted mean of the applicable factors, 0..100: of the s_<factor> columns of a
    row `s`, or of the given expressions."""
    applies = _applicable(p)
    total_weight = sum(p.weights.weight(f) for f, a in applies.items() if a)
    if not total_weight:
        return "0.0"
    parts = [f"{p.weights.weight(f)} * {exprs[f] if exprs else f's.s_{f}'}"
             for f, a in applies.items() if a]
    return f"(({' + '.join(parts)}) * 100.0 / {total_weight})"


_X = ", ".join(f"x_{x}" for x in Exclusion.values)
_ELIGIBLE = f"CASE WHEN {' + '.join(f'x_{x}' for x in Exclusion.values)} = 0 THEN 1 ELSE 0 END"


def _shortlist_sql(p: _Params, *, limit: int, limit_excluded: int) -> str:
    """Phase 1, over every organization: exact exclusions and counts, and a score that is
    an upper bound (track-record factors at their best). Returns a counts row ('c'), the
    `limit` best eligible by that bound ('e'), and the best excluded ones ('x')."""
    exprs = _factor_exprs(p, history=False)
    applies = _applicable(p)
    total_weight = sum(p.weights.weight(f) for f, a in applies.items() if a) or 1.0
    parts = ["b.need_points"] + [f"{p.weights.weight(f)} * {exprs[f]}" for f, a in applies.items()
                                 if a and f not in NEED_FACTORS]
    bound = f"(({' + '.join(parts)}) * 100.0 / {total_weight})"
    counts = ", ".join(f"SUM(x_{x}) AS x_{x}" for x in Exclusion.values)
    return f"""WITH {_first_ctes(p)}, totals AS MATERIALIZED (
  SELECT b.partner_id, {_X}, {bound} AS bound, {_ELIGIBLE} AS eligible FROM base b
)
SELECT 'c' AS part, SUM(eligible) AS partner_id, 0.0 AS bound, {counts} FROM totals
UNION ALL SELECT * FROM (SELECT 'e', partner_id, bound, {_X} FROM totals WHERE eligible = 1
  ORDER BY bound DESC, partner_id LIMIT {int(limit)}) e
UNION ALL SELECT * FROM (SELECT 'x', partner_id, bound, {_X} FROM totals WHERE eligible = 0
  ORDER BY bound DESC, partner_id LIMIT {int(limit_excluded)}) x
"""  # noqa: S608


def _exact_sql(p: _Params, *, limit: int) -> str:
    """Phase 2, over the shortlisted organizations (p.partner_ids): every factor exact, the
    near-tie rotation, the rank. Returns each row of base with s_<factor>, total, eligible,
    near_tie and rn, eligible ones first in rank order."""
    scores = ", ".join(f"{expr} AS s_{f}" for f, expr in _factor_exprs(p, history=True).items())
    return f"""WITH {_exact_ctes(p)}, scored AS MATERIALIZED (
  SELECT b.*, {scores} FROM base b
), totals AS (
  SELECT s.*, {_total_sql(p)} AS total, {_ELIGIBLE} AS eligible FROM scored s
), ranked AS (
  SELECT t.*, CASE WHEN t.eligible = 1 AND t.total >=
      MAX(CASE WHEN t.eligible = 1 THEN t.total END) OVER () - %(margin)s
      THEN 1 ELSE 0 END AS near_tie
  FROM totals t
), ordered AS (
  SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.eligible ORDER BY
      r.near_tie DESC, CASE WHEN r.near_tie = 1 THEN r.recent_offers ELSE 0 END ASC,
      CASE WHEN r.near_tie = 1 AND r.last_offered_at IS NOT NULL THEN 1 ELSE 0 END ASC,
      CASE WHEN r.near_tie = 1 THEN r.last_offered_at END ASC,
      r.total DESC, r.partner_id ASC) AS rn
  FROM ranked r
)
SELECT * FROM ordered WHERE eligible = 0 OR rn <= {int(limit)} ORDER BY eligible DESC, rn ASC
"""  # noqa: S608


def _fetch(sql: str, params: dict) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class _Scored:
    eligible: list[dict]  # exact rows, best first (near-ties rotated)
    excluded: list[dict]  # exact rows of the best-bounded excluded organizations
    counts: dict[str, int]
    eligible_count: int


def _run(p: _Params, *, top: int = TOP_N, shown_excluded: int = EXCLUDED_SHOWN,
         shortlist: int | None = None) -> _Scored:
    """Score in two statements: the bounded shortlist over everyone, then exact scores for
    the shortlist. The shortlist grows (x4) until no organization left out could reach the
    top `top` or the near-tie band: its bound is below both."""
    params = _sql_params(p)
    shortlist = shortlist or SHORTLIST
    with transaction.atomic(savepoint=False):
        _serial()
        return _run_passes(p, params, top=top, shown_excluded=shown_excluded,
                           shortlist=shortlist)


def _serial() -> None:
    """PostgreSQL only: no parallel workers for this transaction's statements. The planner
    may run the first pass's UNION ALL of small aggregates as a Parallel Append; starting
    the workers costs more than it saves (measured: ~10 ms more wall clock per call on 2
    cores, plus the workers' CPU), and they compete with the client for the cores."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _run_passes(p: _Params, params: dict, *, top: int, shown_excluded: int,
                shortlist: int) -> _Scored:
    while True:
        rows = _fetch(_shortlist_sql(p, limit=shortlist + 1, limit_excluded=shown_excluded), params)
        head = next(r for r in rows if r["part"] == "c")
        eligible = [r for r in rows if r["part"] == "e"]
        excluded = [r for r in rows if r["part"] == "x"]
        ids = [r["partner_id"] for r in eligible[:shortlist] + excluded]
        exact = _fetch(_exact_sql(replace(p, partner_ids=tuple(ids)), limit=max(top, shortlist)),
                       params) if ids else []
        good = [r for r in exact if int(r["eligible"])]
        if len(eligible) > shortlist and good:
            totals = sorted((float(r["total"]) for r in good), reverse=True)
            reach = min(totals[:top][-1], totals[0] - float(p.weights.near_tie_margin))
            if float(eligible[shortlist]["bound"]) >= reach:
                shortlist *= 4
                continue
        counts = {x: int(head[f"x_{x}"] or 0) for x in Exclusion.values}
        return _Scored(eligible=good[:top], excluded=[r for r in exact if not int(r["eligible"])],
                       counts=counts, eligible_count=int(head["partner_id"] or 0))


# --- evidence -------------------------------------------------------------------------------

_KIND_WORDS = {
    Factor.VERTICAL: (_("vertical"), _("verticals")),
    Factor.SEGMENT: (_("segment"), _("segments")),
    Factor.USE_CASE: (_("use case"), _("use cases")),
    Factor.REGION: (_("region"), _("regions")),
    Factor.LANGUAGE: (_("language"), _("languages")),
    Factor.CAPABILITIES: (_("capability or certification"), _("capabilities and certifications")),
}


def _need_evidence(f: str, names_needed: list[str], matched: list[tuple[str, bool]]) -> str:
    if not matched:
        return _("Lead needs %(needs)s; none claimed.") % {"needs": ", ".join(names_needed)}
    got = ", ".join(f"{name} ({_('verified') if ok else _('unverified')})" for name, ok in matched)
    missing = [n for n in names_needed if n not in {m for m, _ok in matched}]
    text = _("Covers %(k)d of %(n)d needed: %(got)s.") % {
        "k": len(matched), "n": len(names_needed), "got": got}
    if missing:
        text += " " + _("Missing: %(m)s.") % {"m": ", ".join(missing)}
    return text


def _proof_evidence(row: dict, topic: str) -> str:
    n = int(row["pp_n"])
    if not n:
        return _("No case studies in %(topic)s.") % {"topic": topic} if topic else _(
            "No case studies yet.")
    return ngettext(
        "%(n)d case study in %(topic)s: %(v)d verified, %(r)d referenceable, %(c)d from the last 24 months.",
        "%(n)d case studies in %(topic)s: %(v)d verified, %(r)d referenceable, %(c)d from the last 24 months.",
        n) % {"n": n, "topic": topic or _("their verticals and use cases"),
              "v": int(row["pp_verified"]), "r": int(row["pp_ref"]), "c": int(row["pp_recent"])}


def _history_evidence(f: str, row: dict, sla: int) -> str:
    if f == Factor.CAPACITY:
        if row["capacity"] is None:
            return _("No capability profile.")
        free = max(0, int(row["capacity"]) - int(row["load_n"]))
        return _("%(free)d of %(cap)d places free (%(load)d vendor leads open or offered).") % {
            "free": free, "cap": int(row["capacity"]), "load": int(row["load_n"])}
    if f == Factor.ACCEPTANCE_SPEED:
        answered, timed_out = int(row["answered"]), int(row["timed_out"])
        if not answered + timed_out:
            return _("No offers answered yet: neutral score.")
        hours = float(row["answer_seconds"]) / 3600 / answered if answered else 0
        return _("Answered %(a)d offers in %(h).1f hours on average (SLA %(sla)d hours); "
                 "%(t)d timed out.") % {"a": answered, "h": hours, "sla": sla, "t": timed_out}
    if f == Factor.WIN_RATE:
        won, lost = int(row["won"]), int(row["lost"])
        if not won + lost:
            return _("No closed deals yet: neutral score.")
        return _("Won %(w)d of %(n)d closed deals.") % {"w": won, "n": won + lost}
    if f == Factor.REPORTING:
        if not int(row["due"]):
            return _("No outcome reports due yet.")
        return _("Reported on %(r)d of %(d)d deals due a report in the last 12 months; "
                 "%(o)d overdue now.") % {"r": int(row["reported"]), "d": int(row["due"]),
                                          "o": int(row["overdue"])}
    return _("%(tier)s tier.") % {"tier": row["tier_name"]}


def _factors(row: dict, p: _Params, names: dict[int, str],
             matched: dict[int, list[tuple[int, bool]]]) -> list[dict[str, Any]]:
    """Each factor of one scored row: score, weight, points and evidence (applicable only)."""
    applies = _applicable(p)
    total_weight = sum(p.weights.weight(f) for f, a in applies.items() if a) or 1.0
    topic = " / ".join(names[t] for t in p.needs[Factor.VERTICAL] + p.needs[Factor.USE_CASE])
    out = []
    for f in Factor.values:
        if not applies[f]:
            continue
        score = float(row[f"s_{f}"])
        if f in NEED_FACTORS:
            needed = p.needs[f]
            hits = [(names[t], ok) for t, ok in matched.get(row["partner_id"], []) if t in needed]
            evidence = _need_evidence(f, [names[t] for t in needed], hits)
        elif f == Factor.PROOF_POINTS:
            evidence = _proof_evidence(row, topic)
        else:
            evidence = _history_evidence(f, row, p.weights.offer_sla_hours)
        weight = p.weights.weight(f)
        out.append({"factor": f, "label": str(Factor(f).label), "score": round(score, 3),
                    "weight": weight, "points": round(score * weight * 100 / total_weight, 1),
                    "evidence": evidence})
    return out


def _exclusion_labels(row: dict) -> tuple[list[str], list[str]]:
    codes = [x for x in Exclusion.values if int(row[f"x_{x}"])]
    return codes, [str(Exclusion(x).label) for x in codes]


def _why(factors: list[dict], near_tie: bool) -> str:
    best = sorted(factors, key=lambda f: -f["points"])[:2]
    text = _("Strongest on %(factors)s.") % {
        "factors": _(" and ").join(f"{f['label'].lower()} ({f['evidence']})" for f in best)}
    if near_tie:
        text += " " + _("Within the near-tie margin of the best score: ordered by fewest offers "
                        "received in the last %(d)d days.") % {"d": ROTATION_DAYS}
    return text


# --- recommend ------------------------------------------------------------------------------


def _params_for_lead(lead: VendorLead, weights: MatchingWeights,
                     now: datetime) -> tuple[_Params, dict[int, str]]:
    needs = lead_needs(lead)
    by_factor = {f: sorted(t.pk for k in kinds for t in needs[k]) for f, kinds in NEED_FACTORS.items()}
    names = {t.pk: t.name for ts in needs.values() for t in ts}
    return _Params(needs=by_factor, weights=weights, now=now, lead_id=lead.pk), names


def _matched_claims(partner_ids: list[int], term_ids: list[int]) -> dict[int, list[tuple[int, bool]]]:
    out: dict[int, list[tuple[int, bool]]] = {}
    if not partner_ids or not term_ids:
        return out
    rows = CapabilityClaim.objects.filter(partner_id__in=partner_ids, term_id__in=term_ids)
    for partner_id, term_id, verified_at in rows.values_list("partner_id", "term_id", "verified_at"):
        out.setdefault(partner_id, []).append((term_id, verified_at is not None))
    return out


def recommend(*, lead: VendorLead, now: datetime | None = None) -> Recommendation:
    """Score every partner organization against `lead`, store and return the result.

    The ranked top 3 eligible organizations carry each factor's score, weight, points and
    evidence; the best-scoring excluded ones carry their reasons, with counts per reason.
    Near-ties (within the weights' margin of the best) are ordered by fewest offers received
    in the last 30 days, then longest since the last offer. Excluded: no profile, suspended
    or terminated, no acceptance of the current agreement, at capacity, overdue on outcome
    reports, or an offer of this lead already declined, timed out, pending or accepted.
    Writes one Recommendation and one audit event; changes nothing else.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    weights = weights_current()
    params, names = _params_for_lead(lead, weights, now)
    # One transaction: the scoring statements run with SET LOCAL (see _serial).
    with transaction.atomic():
        scored = _run(params)
        eligible, excluded = scored.eligible, scored.excluded
        matched = _matched_claims([r["partner_id"] for r in eligible], list(names))
        candidates = []
        for rank, row in enumerate(eligible, start=1):
            factors = _factors(row, params, names, matched)
            near_tie = bool(int(row["near_tie"])) and len(eligible) > 1
            candidates.append({
                "partner": row["partner_id"], "name": row["name"], "rank": rank,
                "score": round(float(row["total"]), 1), "near_tie": near_tie,
                "recent_offers": int(row["recent_offers"]), "tier": row["tier_name"],
                "factors": factors, "why": _why(factors, near_tie),
            })
        exclusions = {
            "counts": {x: n for x, n in scored.counts.items() if n},
            "partners": [
                {"partner": r["partner_id"], "name": r["name"], "score": round(float(r["total"]), 1),
                 "reasons": _exclusion_labels(r)[0], "labels": _exclusion_labels(r)[1]}
                for r in excluded
            ],
        }
        eligible_count = scored.eligible_count
        rec = Recommendation.objects.create(
            lead=lead, weights=weights, computed_at=now, candidates=candidates,
            exclusions=exclusions, eligible_count=eligible_count,
            summary=summarize(candidates=candidates, exclusions=exclusions,
                              eligible_count=eligible_count),
            engine=SummaryEngine.DETERMINISTIC,
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
        audit_record(actor=None, action="vendor_lead.recommend", target=lead, after={
            "recommendation": rec.pk, "weights_version": weights.version,
            "candidates": [[c["partner"], c["score"]] for c in candidates],
            "excluded": exclusions["counts"]})
        if candidates and settings.USE_ANTHROPIC and settings.ANTHROPIC_API_KEY:
            from distribution.tasks import recommendation_summarize_task

            transaction.on_commit(lambda: recommendation_summarize_task.delay(rec.pk))
    return rec


def summarize(*, candidates: list[dict], exclusions: dict, eligible_count: int) -> str:
    """A short recommendation for the partner owner, built only from the scored evidence."""
    counts = exclusions.get("counts", {})
    excluded = "; ".join(f"{n} {Exclusion(x).label.lower()}" for x, n in counts.items())
    if not candidates:
        return _("No eligible partner organization. Excluded: %(x)s.") % {"x": excluded or "-"}
    top = candidates[0]
    text = _("Recommend %(name)s (%(score)s/100). %(why)s") % {
        "name": top["name"], "score": top["score"], "why": top["why"]}
    if len(candidates) > 1:
        text += " " + _("Alternatives: %(alts)s.") % {"alts": ", ".join(
            f"{c['name']} ({c['score']}/100)" for c in candidates[1:])}
    text += " " + ngettext("%(n)d eligible organization.", "%(n)d eligible organizations.",
                           eligible_count) % {"n": eligible_count}
    if excluded:
        text += " " + _("Excluded: %(x)s.") % {"x": excluded}
    return text


# --- scorecard ------------------------------------------------------------------------------


def _advice(f: str, row: dict, report_cadence_days: int) -> str:
    if f in NEED_FACTORS:
        words = _KIND_WORDS[f][1]
        if not int(row[f"n_{f}"]):
            return _("Add the %(w)s you serve to your capability profile.") % {"w": words}
        unverified = int(row[f"n_{f}"]) - int(row[f"v_{f}"])
        if unverified:
            return _("Ask your partner owner to verify your %(w)s (%(n)d unverified): "
                     "unverified claims count half.") % {"w": words, "n": unverified}
        return ""
    if f == Factor.PROOF_POINTS:
        n = int(row["pp_n"])
        if n < PROOF_SATURATION:
            return _("Add case studies for your verticals and use cases.")
        if int(row["pp_verified"]) < n:
            return _("Have your case studies verified: unverified ones count half.")
        if int(row["pp_ref"]) < n:
            return _("Mark case studies referenceable when the customer agrees: they count more.")
        if int(row["pp_recent"]) < n:
            return _("Add recent work: case studies older than 24 months count half.")
        return ""
    if f == Factor.CAPACITY and row["capacity"] is not None and int(row["load_n"]) >= int(row["capacity"]):
        return _("You are at capacity: close out or report on open vendor leads, or raise your "
                 "capacity if you can take more.")
    if f == Factor.ACCEPTANCE_SPEED and float(row[f"s_{f}"]) < 0.75:
        return _("Answer offers quickly: the score falls with the time you take.")
    if f == Factor.REPORTING and (int(row["overdue"]) or float(row[f"s_{f}"]) < 1):
        return _("Report on every accepted deal at least every %(d)d days; overdue reports stop "
                 "new offers.") % {"d": report_cadence_days}
    return ""


def scorecard(*, partner: PartnerOrganization, now: datetime | None = None) -> dict[str, Any]:
    """How `partner`'s profile scores on each factor, and what would raise it.

    The need factors are scored as for a lead that needs exactly what the partner claims
    (so they show how much of the profile is verified); the rest as in matching. Returns
    {"total", "weights_version", "factors": [{factor, label, score, weight, points,
    evidence, advice}], "exclusions": [label]}. Three queries.
    """
    now = now or timezone.now()
    weights = weights_current()
    claims = list(CapabilityClaim.objects.for_partner(partner).select_related("term"))
    by_factor = {f: sorted(c.term_id for c in claims if c.term.kind in kinds)
                 for f, kinds in NEED_FACTORS.items()}
    names = {c.term_id: c.term.name for c in claims}
    params = _Params(needs=by_factor, weights=weights, now=now, partner_ids=(partner.pk,))
    rows = _fetch(_exact_sql(params, limit=1), _sql_params(params))
    if not rows:
        return {"total": 0, "weights_version": weights.version, "factors": [], "exclusions": []}
    row = rows[0]
    matched = {partner.pk: [(c.term_id, c.is_verified) for c in claims]}
    factors = _factors(row, params, names, matched)
    for f in factors:
        if f["factor"] in NEED_FACTORS:
            n, v = int(row[f"n_{f['factor']}"]), int(row[f"v_{f['factor']}"])
            f["evidence"] = _("%(n)d claimed, %(v)d verified.") % {"n": n, "v": v}
        f["advice"] = _advice(f["factor"], row, weights.report_cadence_days)
    for f in NEED_FACTORS:  # factors the profile claims nothing for still deserve advice
        if not by_factor[f] and weights.weight(f) > 0:
            factors.append({"factor": f, "label": str(Factor(f).label), "score": 0.0,
                            "weight": weights.weight(f), "points": 0.0,
                            "evidence": _("Nothing claimed."), "advice": _advice(f, row, 0)})
    order = {f: i for i, f in enumerate(Factor.values)}
    factors.sort(key=lambda f: order[f["factor"]])
    return {"total": round(float(row["total"]), 1), "weights_version": weights.version,
            "factors": factors, "exclusions": _exclusion_labels(row)[1]}


# --- published criteria ---------------------------------------------------------------------


_FACTOR_RULES = {
    Factor.VERTICAL: _("the customer's industry vertical is one you claim"),
    Factor.SEGMENT: _("the customer's segment (SMB, mid-market, enterprise) is one you serve"),
    Factor.USE_CASE: _("you claim the function or use case the customer needs"),
    Factor.REGION: _("you serve the customer's region"),
    Factor.LANGUAGE: _("you work in the customer's language"),
    Factor.CAPABILITIES: _("you hold the capabilities and certifications the lead requires"),
    Factor.PROOF_POINTS: _("your case studies in the customer's vertical or use case (matching "
                           "segment and region count more)"),
    Factor.CAPACITY: _("the share of your stated capacity still free"),
    Factor.ACCEPTANCE_SPEED: _("how quickly you answer offers, against the offer SLA"),
    Factor.WIN_RATE: _("the share of your closed deals that were won"),
    Factor.REPORTING: _("the share of your accepted deals of the last 12 months you reported on"),
    Factor.TIER: _("your program tier"),
}


def _plain_number(value: Decimal | float | int) -> str:
    """'5' for 5.00, '10' for 10.00 (not '1E+1'), '2.5' for 2.50."""
    return format(Decimal(str(value)).normalize(), "f")


def rules_text(weights: MatchingWeights | None = None) -> dict[str, Any]:
    """The distribution rules in plain words, generated from the current settings.

    Returns {"version", "published", "factors": [(label, percent, sentence)], "paragraphs"}.
    """
    w = weights or weights_current()
    total = sum(w.weight(f) for f in Factor.values) or 1.0
    factors = [(str(Factor(f).label), round(w.weight(f) * 100 / total), str(_FACTOR_RULES[f]))
               for f in Factor.values if w.weight(f) > 0]
    cascade = (_("automatically") if w.auto_cascade
               else _("after a partner owner approves the next offer"))
    paragraphs = [
        _("Vendor leads go to the partner organization that can best serve the customer. Each "
          "lead is scored against every organization's capability profile on the factors below; "
          "each factor's weight is its share of the score when the lead names all its needs "
          "(factors a lead does not name are left out)."),
        _("Claims and case studies a partner owner has not verified count half. Case studies "
          "older than 24 months count half; referenceable ones count one and a half times."),
        _("Not offered leads: organizations without a capability profile, suspended or "
          "terminated, without acceptance of the current program agreement, at capacity, "
          "overdue on outcome reports, or that already declined or let this lead's offer time "
          "out."),
        _("Organizations within %(m)s points of the best score are near-ties: the one that "
          "received the fewest offers in the last %(d)d days goes first, so close calls rotate "
          "fairly.") % {"m": _plain_number(w.near_tie_margin), "d": ROTATION_DAYS},
        _("A partner owner approves every offer. Choosing another organization than the top "
          "recommendation needs a written reason; overrides are recorded and reported."),
        _("An offered organization sees the lead's summary, need and next steps, and has "
          "%(h)d hours to accept or decline (a decline needs a reason). The customer's contact "
          "details are shown after acceptance. After a decline or a timeout the lead is offered "
          "to the next candidate %(cascade)s.") % {"h": w.offer_sla_hours, "cascade": cascade},
        _("Want leads? Report back: report the stage of every accepted deal (contacted, meeting "
          "held, proposal, won, lost with a reason) at least every %(d)d days.")
        % {"d": w.report_cadence_days},
    ]
    return {"version": w.version, "published": w.created_at, "factors": factors,
            "paragraphs": [str(p) for p in paragraphs]}
