"""The deterministic summarizer: evidence-based advice from rules (the default engine)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from leads.choices import (
    ContactAuthority,
    FitTier,
    IntroductionPath,
    MatchKind,
    Recommendation,
    StopRule,
    SummaryEngine,
    Urgency,
)
from leads.qualification.base import (
    INSTRUCTION_PATTERN,
    ITEM_MAX_CHARS,
    MAX_QUESTIONS,
    MAX_RISKS,
    MODERATE_FIT_POINTS,
    PARTNER_RUN_WORDS,
    RULES_VERSION,
    STRONG_FIT_POINTS,
    SUBSTANTIVE_NEED_WORDS,
    SUMMARY_MAX_CHARS,
    QualificationResult,
    _clip,
    _label,
)


@dataclass(frozen=True)
class _Facts:
    """The registration's evidence, read once from the deal."""

    company: str
    need: str
    need_words: int
    products: tuple[str, ...]
    value: Decimal | None
    currency: str
    urgency: str
    timeline: str
    authority: str
    contact_title: str
    has_contact: bool
    industry: str
    company_size: str
    country: str
    consent: bool
    introduction_path: str


def _product_names(deal: Any) -> tuple[str, ...]:
    """Product names of a saved deal; an unsaved deal cannot have any yet."""
    if getattr(deal, "pk", None) is None:
        return ()
    return tuple(product.name for product in deal.products.all())


def _collect_facts(deal: Any) -> _Facts:
    need = (deal.need or "").strip()
    value = deal.estimated_value
    return _Facts(
        company=(deal.company_name or "").strip() or _("The customer"),
        need=need,
        need_words=len(need.split()),
        products=_product_names(deal),
        value=value if value is not None and value > 0 else None,
        currency=deal.currency or "",
        urgency=deal.urgency or "",
        timeline=(deal.timeline or "").strip(),
        authority=deal.contact_authority or "",
        contact_title=(deal.contact_title or "").strip(),
        has_contact=bool(deal.contact_name or deal.contact_email or deal.contact_phone),
        industry=(deal.industry or "").strip(),
        company_size=deal.company_size or "",
        country=getattr(deal.country, "code", "") or "",
        consent=bool(deal.customer_consent),
        introduction_path=deal.introduction_path or "",
    )


def _fit_points(facts: _Facts) -> int:
    """Evidence points out of 9: need 2, products 1, value 1, urgency 2, authority 2,
    company profile 1. Presence and strength of evidence only."""
    substantive = facts.need_words >= SUBSTANTIVE_NEED_WORDS
    points = 2 if substantive else int(facts.need_words > 0)
    points += int(bool(facts.products)) + int(facts.value is not None)
    points += {Urgency.CRITICAL: 2, Urgency.HIGH: 2, Urgency.MEDIUM: 1}.get(
        facts.urgency, 0
    )
    points += {
        ContactAuthority.DECISION_MAKER: 2,
        ContactAuthority.INFLUENCER: 1,
        ContactAuthority.CHAMPION: 1,
    }.get(facts.authority, 0)
    return points + int(bool(facts.industry or facts.company_size))


def _fit_tier(facts: _Facts) -> str:
    if not facts.need_words and not facts.products:
        return FitTier.UNKNOWN
    points = _fit_points(facts)
    if points >= STRONG_FIT_POINTS:
        return FitTier.STRONG
    return FitTier.MODERATE if points >= MODERATE_FIT_POINTS else FitTier.WEAK


def _missing_context(facts: _Facts) -> list[str]:
    """Context a reviewer needs before accepting; any gap blocks "accept"."""
    gaps = [
        (not facts.need_words, _("need and use case")),
        (not facts.has_contact, _("customer contact")),
        (facts.authority in ("", ContactAuthority.UNKNOWN), _("contact authority")),
        (not facts.consent, _("customer consent")),
        (not facts.introduction_path, _("introduction path")),
    ]
    return [name for is_missing, name in gaps if is_missing]


def _questions(facts: _Facts) -> list[str]:
    """Questions for the partner about what is missing; never about other records."""
    checks = [
        (facts.need_words < SUBSTANTIVE_NEED_WORDS,
         _("What problem is %(company)s trying to solve, and what do they use today?")),
        (not facts.has_contact,
         _("Who is your contact at %(company)s (name, role and e-mail)?")),
        (facts.authority != ContactAuthority.DECISION_MAKER,
         _("Who at %(company)s holds the budget and signs off on this purchase, and "
           "are they involved yet?")),
        (not facts.consent,
         _("Has %(company)s agreed to be contacted by us about this project? Please "
           "confirm the customer's consent.")),
        (not facts.urgency and not facts.timeline,
         _("When does %(company)s expect to decide, and what drives that timing?")),
        (facts.value is None,
         _("What budget or deal value has %(company)s indicated?")),
        (not facts.introduction_path,
         _("How were you introduced to %(company)s, and what is your relationship?")),
        (not facts.products, _("Which of our products does %(company)s need?")),
    ]
    questions = [text % {"company": facts.company} for ask, text in checks if ask]
    return questions[:MAX_QUESTIONS]


def _match_opening(kind: str) -> str:
    """What a match of this kind means for the reviewer, without saying whose it is."""
    openings = {
        MatchKind.SAME_PARTNER: _("This partner already registered the same end "
                                  "customer"),
        MatchKind.CROSS_PARTNER: _("Another registration of the same end customer "
                                   "exists"),
        MatchKind.DIRECT_SALES: _("The vendor's direct sales pipeline already covers "
                                  "this end customer"),
        MatchKind.EXISTING_CUSTOMER: _("The end customer is already a vendor customer"),
        MatchKind.STRATEGIC_ACCOUNT: _("The end customer matches a strategic account"),
    }
    return openings.get(kind, _("A possible duplicate of this end customer exists"))


def _match_risk(match: Any) -> str:
    """A staff-facing risk line: kind, score and matched fields, never a name (the
    matcher's free-text reasons are not copied, since they may name the other party)."""
    detail = [_label(MatchKind, match.kind).lower(),
              _("score %(score).2f") % {"score": float(match.score or 0)}]
    fields = ", ".join(str(field) for field in (match.matched_fields or []))
    if fields:
        detail.append(_("matched on %(fields)s") % {"fields": fields})
    return _("%(opening)s (%(detail)s).") % {
        "opening": _match_opening(match.kind), "detail": "; ".join(detail)}


def _partner_texts(deal: Any) -> dict[str, str]:
    """The free text the partner wrote, by field label (never trusted as instructions)."""
    return {
        _("need"): deal.need or "", _("relationship notes"): deal.relationship_notes or "",
        _("timeline"): deal.timeline or "", _("company"): deal.company_name or "",
        _("industry"): deal.industry or "", _("contact title"): deal.contact_title or "",
    }


def partner_quote(text: str, limit: int = 160) -> str:
    """Partner-written text as a visibly marked quotation, never as the system's words."""
    return f"“{_clip(text, limit)}”"


def instruction_risks(deal: Any) -> list[str]:
    """Name partner text that reads like instructions (to ignore rules, skip review, or
    claiming approval): one staff-facing risk per field, quoting the wording. It is
    data: it changes no recommendation and no stop rule. Used by both engines."""
    risks = []
    for name, text in _partner_texts(deal).items():
        found = INSTRUCTION_PATTERN.search(text)
        if found:
            start = max(0, found.start() - 20)
            risks.append(_(
                "Instruction-like text in the partner's %(field)s, in the partner's words: "
                "%(quote)s. It tries to direct the review (an order to ignore rules, skip "
                "review, or a claim of approval); it is the partner's claim, not a "
                "finding, and changed nothing. Verify any claimed approval.")
                % {"field": name, "quote": partner_quote(text[start:], 120)})
    return risks


def _word_runs(text: str, size: int) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def repeats_partner_text(summary: str, deal: Any) -> bool:
    """True when `summary` copies a run of PARTNER_RUN_WORDS words of the partner's free
    text (need, relationship notes, timeline) or itself reads like instructions."""
    if INSTRUCTION_PATTERN.search(summary):
        return True
    runs = _word_runs(summary, PARTNER_RUN_WORDS)
    free_text = (deal.need or "", deal.relationship_notes or "", deal.timeline or "")
    return any(runs & _word_runs(text, PARTNER_RUN_WORDS) for text in free_text)


def guard_partner_text(
    result: QualificationResult, *, deal: Any, matches: list, stop_hits: list
) -> QualificationResult:
    """The post-check both engines pass through: a model summary that repeats partner
    text (or reads like instructions) is replaced by the rule-based summary, which never
    contains partner free text; instruction-like partner text is always named in the
    risks, and the summary points to them. Idempotent."""
    summary, risks = result.summary, list(result.risks)
    if result.engine != SummaryEngine.DETERMINISTIC and repeats_partner_text(summary, deal):
        facts = _collect_facts(deal)
        tier = _fit_tier(facts)
        summary = _summary(facts, tier, _missing_context(facts), matches, stop_hits)
        note = _("The model's summary repeated partner-written text; the rule-based "
                 "summary is shown instead.")
        risks += [note] if note not in risks else []
    flagged = instruction_risks(deal)
    risks += [risk for risk in flagged if risk not in risks]
    warning = _("Partner-written text tries to direct the review: see the risks.")
    if flagged and warning not in summary:
        summary = f"{_clip(summary, SUMMARY_MAX_CHARS - len(warning) - 1)} {warning}"
    return replace(result, summary=summary, risks=risks[:MAX_RISKS])


def _evidence(facts: _Facts, missing: list[str]) -> list[str]:
    """The facts used, as a reviewer would check them on the registration."""
    f, dash = facts, "—"
    lines = [
        (f.need_words, _("Need described in %(n)d words, in the partner's words: %(need)s")
         % {"n": f.need_words, "need": partner_quote(f.need)}),
        (f.products, _("Products named: %(p)s") % {"p": ", ".join(f.products)}),
        (f.value is not None, _("Estimated value: %(v)s %(c)s")
         % {"v": f"{f.value or 0:,.2f}", "c": f.currency}),
        (f.urgency or f.timeline, _("Urgency: %(u)s; timeline, in the partner's words: %(t)s")
         % {"u": _label(Urgency, f.urgency) or dash,
            "t": partner_quote(f.timeline, 80) if f.timeline else dash}),
        (f.authority, _("Contact authority: %(a)s (%(t)s)")
         % {"a": _label(ContactAuthority, f.authority), "t": f.contact_title or dash}),
        (f.industry or f.company_size,
         _("Company profile: %(i)s, %(s)s employees, %(c)s") % {
             "i": f.industry or dash, "s": f.company_size or dash,
             "c": f.country or dash}),
        (f.introduction_path, _("Introduction path: %(p)s")
         % {"p": _label(IntroductionPath, f.introduction_path)}),
        (True, _("Customer consent to vendor contact: %(c)s")
         % {"c": _("confirmed") if f.consent else _("not confirmed")}),
        (missing, _("Missing: %(m)s") % {"m": ", ".join(missing)}),
    ]
    return [line for present, line in lines if present]


def _recommendation(
    facts: _Facts, tier: str, missing: list[str], matches: list
) -> tuple[str, str]:
    """The rule-based recommendation and its basis, in words."""
    if any(match.kind == MatchKind.SAME_PARTNER for match in matches):
        return Recommendation.DECLINE_CANDIDATE, _("same-partner resubmission")
    if missing:
        return Recommendation.NEEDS_MORE_CONTEXT, (
            _("missing %(m)s") % {"m": ", ".join(missing)})
    if tier == FitTier.UNKNOWN:
        return Recommendation.NEEDS_MORE_CONTEXT, _("too little fit evidence")
    if tier == FitTier.WEAK and facts.urgency == Urgency.LOW:
        return Recommendation.DECLINE_CANDIDATE, _("weak fit and no buying timeline")
    if tier == FitTier.WEAK:
        return Recommendation.NEEDS_MORE_CONTEXT, _("weak fit evidence")
    return Recommendation.ACCEPT, _("fit evidence and context are complete")


def _summary(
    facts: _Facts, tier: str, missing: list[str], matches: list, stop_hits: list
) -> str:
    """Three to five sentences in the system's own words: what was registered, urgency
    and value, evidence, checks. Partner free text (need, notes, timeline) never appears
    here, only quoted in the evidence; the customer's name is quoted as registered."""
    what = (_("products %(p)s") % {"p": ", ".join(facts.products)} if facts.products
            else _("no products named"))
    where = ", ".join(part for part in (facts.country, facts.industry) if part)
    sentences = [_("Registration for the end customer %(company)s%(where)s: %(what)s; "
                   "the need is %(need)s.") % {
        "company": partner_quote(facts.company, 80), "what": what,
        "where": f" ({where})" if where else "",
        "need": (_("described in %(n)d words (quoted in the evidence)")
                 % {"n": facts.need_words}) if facts.need_words else _("not described")}]
    urgency = _label(Urgency, facts.urgency) if facts.urgency else _("not given")
    value = (_("estimated value %(v)s") % {"v": f"{facts.value:,.2f} {facts.currency}"}
             if facts.value is not None else _("no estimated value"))
    sentences.append(_("Urgency: %(u)s%(t)s; %(v)s.") % {
        "u": urgency, "v": value,
        "t": _(", with a timeline given") if facts.timeline else ""})
    evidence = _("Evidence: %(tier)s (%(p)d of 9 points)") % {
        "tier": _label(FitTier, tier).lower(), "p": _fit_points(facts)}
    if missing:
        evidence += _("; missing %(m)s") % {"m": ", ".join(missing)}
    sentences.append(evidence + ".")
    if matches or stop_hits:
        sentences.append(_("Screening found %(m)d duplicate or conflict candidate(s) "
                           "and %(s)d stop-rule hit(s) for review.")
                         % {"m": len(matches), "s": len(stop_hits)})
    return " ".join(sentences)


def summarize_deterministic(
    *, deal: Any, matches: list, stop_hits: list
) -> QualificationResult:
    """Rule-based qualification from the registration's evidence; never calls out.

    "decline_candidate" for a same-partner resubmission or a clearly weak fit,
    "needs_more_context" when context is missing, otherwise "accept"; then the stop-rule
    guard applies, so a stop hit never leaves "accept".
    """
    facts = _collect_facts(deal)
    tier = _fit_tier(facts)
    missing = _missing_context(facts)
    recommendation, basis = _recommendation(facts, tier, missing, matches)
    evidence = _evidence(facts, missing)
    evidence.append(_("Rule basis: %(r)s because %(b)s.")
                    % {"r": _label(Recommendation, recommendation).lower(), "b": basis})
    result = QualificationResult(
        summary=_summary(facts, tier, missing, matches, stop_hits),
        fit_tier=str(tier),
        recommendation=str(recommendation),
        questions=_questions(facts),
        risks=[_match_risk(match) for match in matches],
        evidence=evidence,
        engine=str(SummaryEngine.DETERMINISTIC),
        model="",
        prompt_version=RULES_VERSION,
        fallback_reason="",
    )
    result = guard_partner_text(result, deal=deal, matches=matches, stop_hits=stop_hits)
    return enforce_stop_rules(result, stop_hits)


def _stop_hit_risk(hit: Any) -> str:
    return _("Stop rule: %(rule)s — %(reason)s") % {
        "rule": _label(StopRule, hit.rule),
        "reason": _clip(hit.reason or "", ITEM_MAX_CHARS)}


def enforce_stop_rules(
    result: QualificationResult, stop_hits: list
) -> QualificationResult:
    """With any stop hit, "accept" becomes "needs_more_context" (a decline candidate
    stays one) and every hit is listed first in the risks. Idempotent; runs last."""
    if not stop_hits:
        return result
    hit_risks = [_stop_hit_risk(hit) for hit in stop_hits]
    risks = hit_risks + [risk for risk in result.risks if risk not in hit_risks]
    evidence = list(result.evidence)
    recommendation = result.recommendation
    if recommendation == Recommendation.ACCEPT:
        recommendation = str(Recommendation.NEEDS_MORE_CONTEXT)
        evidence.append(_("Recommendation held at needs more context: %(n)d stop "
                          "rule(s) apply and a person must review.")
                        % {"n": len(stop_hits)})
    return replace(result, recommendation=recommendation, risks=risks,
                   evidence=evidence)
