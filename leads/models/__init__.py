"""Models of the leads app: deals, CRM records, screening results, imports."""

from leads.models.crm import Account, Contact, KeyCount, Opportunity
from leads.models.deals import Deal, DealQuerySet, DealQuestion, DealStatusChange, Product
from leads.models.imports import CrmImport
from leads.models.screening import (
    DuplicateMatch,
    QualificationSummary,
    ScreeningStep,
    StopRuleHit,
)

__all__ = [
    "Account", "Contact", "CrmImport", "KeyCount", "Deal", "DealQuerySet", "DealQuestion", "DealStatusChange",
    "DuplicateMatch",
    "Opportunity", "Product", "QualificationSummary", "ScreeningStep", "StopRuleHit",
]
