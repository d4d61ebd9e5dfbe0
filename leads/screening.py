"""The screening pipeline: normalize → match → stop rules → summary → review tasks.

`deal_screening_run` is what the worker calls. It claims the deal, runs each step once and
records its status and timing, then hands the deal to review. Every step commits its results
together with its "done" mark, so a worker that dies mid-step leaves nothing behind and the
redelivered task (or the sweep) redoes just that step; unique constraints make a repeated
write impossible anyway. The machine prepares; it never accepts or rejects.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.services import audit_record
from leads import matching, stop_rules
from leads.choices import (
    DealStatus,
    MatchTarget,
    ScreeningStepName,
    StepStatus,
)
from leads.models import Deal, DuplicateMatch, QualificationSummary, ScreeningStep, StopRuleHit
from leads.services import NORMALIZED_KEYS, deal_apply_normalization, deal_status_record
from partners.selectors import program_rules_get
from reviews.choices import TaskKind
from reviews.services import review_task_open

logger = logging.getLogger(__name__)


def deal_screening_run(*, deal_id: int) -> bool:
    """Screen a submitted deal through every step; True when this call finished it.

    Returns False without doing anything when another worker holds a live claim on the
    step due next (it started less than SCREENING_SWEEP_STALE_SECONDS ago): that worker
    finishes the deal, or, if it died, the sweep queues the deal again once its claim
    has expired.
    """
    if not _claim(deal_id):
        return False
    deal = Deal.objects.select_related("partner", "partner__tier").get(pk=deal_id)
    for name, step in STEPS:
        if not _run_step(deal, name, step):
            return False
    return _finish(deal_id)


def screening_claim_expired_before() -> datetime:
    """Claims on a step (its `started_at`) older than this belong to a dead worker.

    SCREENING_SWEEP_STALE_SECONDS must exceed the longest step: the summary's API call is
    held below it (leads.qualification.llm._default_client).
    """
    return timezone.now() - timedelta(seconds=settings.SCREENING_SWEEP_STALE_SECONDS)


def _claim(deal_id: int) -> bool:
    """submitted → screening (once); a deal already in screening is resumed."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Deal.objects.filter(pk=deal_id, status=DealStatus.SUBMITTED).update(
            status=DealStatus.SCREENING, screening_started_at=now, updated_at=now)
        deal = Deal.objects.filter(pk=deal_id).first()
        if deal is None or deal.status != DealStatus.SCREENING:
            return False
        if claimed:
            deal_status_record(deal=deal, before=DealStatus.SUBMITTED, after=DealStatus.SCREENING,
                               actor=None, at=now)
            audit_record(actor=None, action="deal.screening_start", target=deal,
                         before={"status": DealStatus.SUBMITTED}, after={"status": DealStatus.SCREENING})
    return True


def _run_step(deal: Deal, name: str, step: Callable[[Deal], Callable[[], str]]) -> bool:
    """Run `step` unless it is done; False when another worker's live claim holds it.

    The step computes outside any transaction (an LLM call may take seconds) and returns
    a `persist` callable that writes its results; results and the done mark commit
    together. A step left running or failed is claimed again with a conditional update
    that only one worker can win, and only once the previous claim has expired (a
    failed step at once)."""
    record, created = ScreeningStep.objects.get_or_create(
        deal=deal, name=name, defaults={"started_at": timezone.now()})
    if record.status == StepStatus.DONE:
        return True
    if not created:
        resumable = Q(status=StepStatus.FAILED) | Q(started_at__lt=screening_claim_expired_before())
        if not ScreeningStep.objects.filter(resumable, pk=record.pk).exclude(
                status=StepStatus.DONE).update(status=StepStatus.RUNNING, started_at=timezone.now(),
                                               attempts=F("attempts") + 1):
            logger.info("Screening step %s of deal %s is held by a live claim", name, deal.pk)
            return False
    started = time.monotonic()
    try:
        persist = step(deal)
        with transaction.atomic():
            detail = persist()
            ScreeningStep.objects.filter(pk=record.pk).update(
                status=StepStatus.DONE, finished_at=timezone.now(), detail=detail[:500],
                duration_ms=int((time.monotonic() - started) * 1000))
    except Exception as error:
        ScreeningStep.objects.filter(pk=record.pk).update(
            status=StepStatus.FAILED, finished_at=timezone.now(), detail=repr(error)[:500],
            duration_ms=int((time.monotonic() - started) * 1000))
        logger.exception("Screening step %s failed for deal %s", name, deal.pk)
        raise
    return True


def _step_normalize(deal: Deal) -> Callable[[], str]:
    deal_apply_normalization(deal)

    def persist() -> str:
        Deal.objects.filter(pk=deal.pk).update(**{key: getattr(deal, key) for key in NORMALIZED_KEYS})
        return f"domain={deal.norm_domain or '-'} company={deal.norm_company or '-'}"

    return persist


def _step_match(deal: Deal) -> Callable[[], str]:
    window = program_rules_get().protection_window_days
    rows = []
    matches = matching.find_matches(deal)
    for match in matches:
        for item in matching.classify(deal, match, protection_window_days=window):
            rows.append(DuplicateMatch(
                deal=deal, kind=item.kind, target_type=item.target_type,
                target_deal=item.target if item.target_type == MatchTarget.DEAL else None,
                target_account=item.target if item.target_type == MatchTarget.ACCOUNT else None,
                target_opportunity=item.target if item.target_type == MatchTarget.OPPORTUNITY else None,
                target_vendor_lead=item.target if item.target_type == MatchTarget.VENDOR_LEAD else None,
                target_key=f"{item.target_type}:{item.target.pk}", score=match.score,
                matched_fields=match.matched_fields, reasons=match.reasons,
                holds_registration=item.holds_registration))

    def persist() -> str:
        DuplicateMatch.objects.bulk_create(rows, ignore_conflicts=True)
        # The deal is an existing record from now on: its name, phone and city count.
        matching.record_keys(deal, matches)
        return f"{len(rows)} matches"

    return persist


def _step_stop_rules(deal: Deal) -> Callable[[], str]:
    kinds = set(deal.matches.values_list("kind", flat=True))
    hits = stop_rules.evaluate(deal=deal, match_kinds=kinds, rules=program_rules_get(),
                               products=deal.products.count())

    def persist() -> str:
        StopRuleHit.objects.bulk_create(
            [StopRuleHit(deal=deal, rule=rule, reason=reason) for rule, reason in hits.items()],
            ignore_conflicts=True)
        return ", ".join(hits) or "none"

    return persist


def _step_summary(deal: Deal) -> Callable[[], str]:
    from leads.qualification import qualify

    result = qualify(deal=deal, matches=list(deal.matches.all()), stop_hits=list(deal.stop_rule_hits.all()))

    def persist() -> str:
        QualificationSummary.objects.update_or_create(deal=deal, defaults={
            "summary": result.summary, "fit_tier": result.fit_tier,
            "recommendation": result.recommendation, "questions": result.questions,
            "risks": result.risks, "evidence": result.evidence, "engine": result.engine,
            "model": result.model, "prompt_version": result.prompt_version,
            "fallback_reason": result.fallback_reason})
        return f"{result.engine}: {result.recommendation}"

    return persist


def _step_tasks(deal: Deal) -> Callable[[], str]:
    rules = program_rules_get()

    def persist() -> str:
        from attribution.services import conflict_case_join

        # The case first: it locks its members' rows before this transaction writes to the
        # audit chain (rows, then chain: the order every screening transaction keeps).
        case = conflict_case_join(deal=deal)
        opened = [review_task_open(deal=deal, kind=TaskKind.ACCEPTANCE_REVIEW, rules=rules).kind]
        if case is not None:
            opened.append(f"{TaskKind.ATTRIBUTION_CONFLICT} ({case.reference})")
        return ", ".join(opened)

    return persist


STEPS: list[tuple[str, Callable[[Deal], Callable[[], str]]]] = [
    (ScreeningStepName.NORMALIZE, _step_normalize),
    (ScreeningStepName.MATCH, _step_match),
    (ScreeningStepName.STOP_RULES, _step_stop_rules),
    (ScreeningStepName.SUMMARY, _step_summary),
    (ScreeningStepName.TASKS, _step_tasks),
]


def _finish(deal_id: int) -> bool:
    """screening → in_review, once, with a summary of what screening found."""
    with transaction.atomic():
        deal = Deal.objects.select_for_update().get(pk=deal_id)
        if deal.status != DealStatus.SCREENING:
            return False
        deal.status = DealStatus.IN_REVIEW
        deal.screening_finished_at = timezone.now()
        deal.save(update_fields=["status", "screening_finished_at", "updated_at"])
        deal_status_record(deal=deal, before=DealStatus.SCREENING, after=DealStatus.IN_REVIEW,
                           actor=None, at=deal.screening_finished_at)
        summary = QualificationSummary.objects.filter(deal=deal).first()
        audit_record(actor=None, action="deal.screening_finish", target=deal,
                     before={"status": DealStatus.SCREENING},
                     after={"status": DealStatus.IN_REVIEW,
                            "matches": sorted(set(deal.matches.values_list("kind", flat=True))),
                            "stop_rules": sorted(deal.stop_rule_hits.values_list("rule", flat=True)),
                            "recommendation": summary.recommendation if summary else "",
                            "screening_ms": int((deal.screening_finished_at
                                                 - deal.screening_started_at).total_seconds() * 1000)})
    return True
