"""Qualification summary: the screening step that prepares advice for the reviewer.

Two engines give the same fields: deterministic rules (the default, and the fallback on
any failure) and Anthropic's API through one forced tool call with a JSON schema, used
when `USE_ANTHROPIC` and `ANTHROPIC_API_KEY` are set or a client is passed.

Invariants: partner text reaches the model only as quoted JSON inside <registration>,
never the system prompt; a summary never carries partner free text (the post-check
`guard_partner_text` replaces a model summary that repeats it) and instruction-like
partner text is always named in the risks; `enforce_stop_rules` runs last, so no stop-rule hit ends as
"accept"; questions (for the partner) never mention other partners, registrations or
the vendor's pipeline, and risks (for staff) name no one. Nothing here writes to the DB.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import anthropic
from django.conf import settings

from leads.qualification.base import (
    PROMPT_VERSION,
    RULES_VERSION,
    TOOL_NAME,
    QualificationError,
    QualificationResult,
    _clip,
)
from leads.qualification.llm import (
    QUALIFICATION_TOOL,
    SYSTEM_PROMPT,
    _default_client,
    _describe_api_error,
    build_user_message,
    parse_tool_input,
    summarize_with_anthropic,
)
from leads.qualification.rules import (
    enforce_stop_rules,
    guard_partner_text,
    summarize_deterministic,
)

__all__ = [
    "PROMPT_VERSION", "QUALIFICATION_TOOL", "RULES_VERSION", "SYSTEM_PROMPT", "TOOL_NAME",
    "QualificationError", "QualificationResult", "anthropic", "build_user_message",
    "enforce_stop_rules", "guard_partner_text", "parse_tool_input", "qualify", "summarize_deterministic",
    "summarize_with_anthropic",
]

logger = logging.getLogger(__name__)


def qualify(
    *, deal: Any, matches: list, stop_hits: list, client: Any = None
) -> QualificationResult:
    """Anthropic when settings.USE_ANTHROPIC and a key is set (or a client is passed),
    else rules; any failure falls back to rules with fallback_reason set. The stop-rule
    guard runs last on either result. No side effects beyond the optional API call."""
    enabled = getattr(settings, "USE_ANTHROPIC", False) and getattr(
        settings, "ANTHROPIC_API_KEY", "")
    if client is None and not enabled:
        result = summarize_deterministic(
            deal=deal, matches=matches, stop_hits=stop_hits)
        return enforce_stop_rules(result, stop_hits)
    try:
        result = summarize_with_anthropic(
            deal=deal, matches=matches, stop_hits=stop_hits,
            client=client or _default_client())
    except (QualificationError, anthropic.AnthropicError) as exc:
        reason = (str(exc) if isinstance(exc, QualificationError)
                  else _describe_api_error(exc))  # the default client failed to build
        logger.warning("Qualification of deal %s fell back to rules: %s",
                       deal.pk, reason)
        result = replace(
            summarize_deterministic(deal=deal, matches=matches, stop_hits=stop_hits),
            fallback_reason=_clip(reason, 300),
        )
    result = guard_partner_text(result, deal=deal, matches=matches, stop_hits=stop_hits)
    return enforce_stop_rules(result, stop_hits)
