"""Models of the leads app: deals, screening results and key counts.

CRM records (accounts, contacts, opportunities) and their imports live in `crm.models`.
"""

from leads.models.deals import Deal, DealQuerySet, DealQuestion, DealStatusChange, Product
from leads.models.keys import KeyCount
from leads.models.screening import (
    DuplicateMatch,
    QualificationSummary,
    ScreeningStep,
    StopRuleHit,
)

__all__ = [
    "Deal", "DealQuerySet", "DealQuestion", "DealStatusChange", "DuplicateMatch", "KeyCount",
    "Product", "QualificationSummary", "ScreeningStep", "StopRuleHit",
]
