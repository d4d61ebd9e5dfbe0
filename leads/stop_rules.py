"""Stop rules: deterministic checks that stop automatic routing so a person reviews.

Each rule is switchable in ProgramRules and, when it holds, gives a reason in words. Partner
text is only ever searched here, never obeyed.
"""

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from leads.choices import CONFLICT_KINDS, ContactAuthority, MatchKind, StopRule
from leads.models import Deal
from partners.models import ProgramRules

MIN_NEED_WORDS = 6
# Words that show a request reaches for pricing, scope, procurement or other commitments.
COMMITMENT_PATTERNS = [
    r"\bdiscount(s|ed)?\b", r"\bpric(e|es|ing)\b", r"\bquot(e|es|ation)\b", r"\brfp\b", r"\brfq\b",
    r"\brfi\b", r"\btender\b", r"\bprocurement\b", r"\bpurchase order\b", r"\bcontract(s|ual)?\b",
    r"\bterms\b", r"\bguarantee(d|s)?\b", r"\bpromis(e|ed)\b", r"\bcommit(ment|ted)?\b",
    r"\bexclusiv(e|ity)\b", r"\bfree (trial|licen[cs]es?|months?)\b", r"\b\d+\s?% off\b",
    r"\bsla\b", r"\bstatement of work\b", r"\bsow\b", r"\bfixed fee\b",
]
SENSITIVE_PATTERNS = [
    r"\bgovernment\b", r"\bministry\b", r"\bmilitary\b", r"\bdefen[cs]e\b", r"\bintelligence agency\b",
    r"\bpatient data\b", r"\bmerger\b", r"\bacquisition\b", r"\blitigation\b", r"\blawsuit\b",
    r"\bconfidential\b", r"\bunder nda\b", r"\bsanction(s|ed)?\b",
]
_COMMITMENT_RE = re.compile("|".join(COMMITMENT_PATTERNS), re.IGNORECASE)
_SENSITIVE_RE = re.compile("|".join(SENSITIVE_PATTERNS), re.IGNORECASE)


def _text(deal: Deal) -> str:
    return " \n".join([deal.need or "", deal.relationship_notes or "", deal.timeline or ""])


def _missing_context(deal: Deal) -> str:
    missing = [label for value, label in [
        (deal.company_name, _("end-customer company")), (deal.country, _("country")),
        (deal.need, _("need")), (deal.introduction_path, _("introduction path")),
        (deal.source, _("partner source")),
    ] if not value]
    return _("Missing: %(m)s.") % {"m": ", ".join(missing)} if missing else ""


def _no_fit_evidence(deal: Deal, products: int) -> str:
    words = len((deal.need or "").split())
    has_scope = products > 0 or deal.estimated_value is not None
    if words >= MIN_NEED_WORDS and has_scope:
        return ""
    if words < MIN_NEED_WORDS:
        return _("The need is described in %(n)d words; a use case is needed to judge fit.") % {"n": words}
    return _("No products and no estimated value: nothing shows what the customer would buy.")


def _unclear_authority(deal: Deal) -> str:
    if deal.contact_authority in ("", ContactAuthority.UNKNOWN):
        return _("The contact's authority to buy is unknown.")
    return ""


def _incomplete_consent(deal: Deal) -> str:
    return "" if deal.customer_consent else _("The customer has not consented to be contacted by the vendor.")


def _duplicate_conflict(kinds: set[str]) -> str:
    found = sorted(str(MatchKind(k).label) for k in kinds & CONFLICT_KINDS)
    return _("Ownership conflict: %(k)s.") % {"k": ", ".join(found)} if found else ""


def _strategic(deal: Deal, kinds: set[str]) -> str:
    if MatchKind.STRATEGIC_ACCOUNT in kinds:
        return _("The end customer is a strategic account.")
    found = _SENSITIVE_RE.search(_text(deal))
    return _("The request mentions a sensitive matter (“%(w)s”).") % {"w": found.group(0)} if found else ""


def _commitments(deal: Deal) -> str:
    found = sorted({m.group(0).lower() for m in _COMMITMENT_RE.finditer(_text(deal))})
    if not found:
        return ""
    return _("The request implies commitments (mentions: %(w)s).") % {"w": ", ".join(found[:5])}


def evaluate(*, deal: Deal, match_kinds: Iterable[str], rules: ProgramRules, products: int) -> dict[str, str]:
    """Rule -> reason for every enabled stop rule that holds for `deal`."""
    kinds = set(match_kinds)
    checks = {
        StopRule.MISSING_CONTEXT: lambda: _missing_context(deal),
        StopRule.NO_FIT_EVIDENCE: lambda: _no_fit_evidence(deal, products),
        StopRule.UNCLEAR_AUTHORITY: lambda: _unclear_authority(deal),
        StopRule.INCOMPLETE_CONSENT: lambda: _incomplete_consent(deal),
        StopRule.DUPLICATE_CONFLICT: lambda: _duplicate_conflict(kinds),
        StopRule.STRATEGIC_ACCOUNT: lambda: _strategic(deal, kinds),
        StopRule.COMMITMENTS: lambda: _commitments(deal),
    }
    hits = {}
    for rule, check in checks.items():
        if rules.stop_rule_enabled(rule):
            reason = check()
            if reason:
                hits[str(rule)] = reason
    return hits
