"""Shared pieces of the qualification engines: the result type, limits, helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PROMPT_VERSION = "qualification-v2"  # bump when the prompt or the tool schema changes
RULES_VERSION = "qualification-rules-v2"  # bump when the deterministic rules change
TOOL_NAME = "record_qualification"
MAX_TOKENS = 1500
SUMMARY_MAX_CHARS = 1200
ITEM_MAX_CHARS = 300
MAX_QUESTIONS = 8
MAX_RISKS = 12
MAX_EVIDENCE = 14
SUBSTANTIVE_NEED_WORDS = 8  # a need described in fewer words is thin evidence
STRONG_FIT_POINTS = 7  # of 9, see _fit_points
MODERATE_FIT_POINTS = 4

# Wording addressed to a reader or a model rather than describing the customer: orders to
# ignore rules, claims of approval or authority, requests to skip or speed up review.
INSTRUCTION_PATTERN = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}"
    r"\b(rules?|instructions?|prompts?|guidelines|checks?|policy|polic(y|ies))\b"
    r"|\bsystem prompt\b|\byou are now\b|\bact as\b|\bas an ai\b"
    r"|\brecommend(ation)?\s*[:=]?\s*accept\b"
    r"|\bpre-?\s?approved\b|\balready (been )?approved\b|\bauto-?\s?approve"
    r"|\bapproved by (the )?(vendor|vp|management|director|sales|channel)"
    r"|\b(skip|bypass|waive|no need for|without)\b.{0,15}\b(review|approval|checks?|screening)\b"
    r"|\b(do not|don't|never)\s+(review|check|flag|question|reject)\b"
    r"|\bno (review|approval|checks?|screening) (is )?(needed|required|necessary)\b"
    r"|\bfast-?\s?track\b|\b(must|should) be (accepted|approved)\b",
    re.IGNORECASE | re.DOTALL,
)
# A summary that repeats this many consecutive words of partner text quotes the partner.
PARTNER_RUN_WORDS = 6


@dataclass(frozen=True)
class QualificationResult:
    """What the summary step produced; maps one to one onto QualificationSummary."""

    summary: str
    fit_tier: str  # FitTier value
    recommendation: str  # Recommendation value
    questions: list[str]
    risks: list[str]
    evidence: list[str]  # the facts used, in words a reviewer can check
    engine: str  # SummaryEngine value
    model: str  # "" for deterministic
    prompt_version: str
    fallback_reason: str  # "" unless the LLM path failed and rules answered instead


class QualificationError(Exception):
    """The Anthropic path failed; the message is the fallback reason, safe to store."""


def _label(choices: Any, value: str) -> str:
    """The display label of a choice value, or the raw value when it is not a choice."""
    return str(choices(value).label) if value in choices.values else value


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
