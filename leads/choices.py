"""Choices for deal registrations and their screening."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DealStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    IN_REVIEW = "in_review", _("In review")
    NEEDS_INFO = "needs_info", _("Needs information")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CONVERTED = "converted", _("Converted")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    MERGED = "merged", _("Merged")


# A partner may withdraw a deal that is still being decided or protected.
WITHDRAWABLE_STATUSES = {
    DealStatus.DRAFT,
    DealStatus.SUBMITTED,
    DealStatus.SCREENING,
    DealStatus.IN_REVIEW,
    DealStatus.NEEDS_INFO,
    DealStatus.ACCEPTED,
}
# Statuses in which a partner owner may decide a deal (accept, reject, ask for information).
DECIDABLE_STATUSES = {DealStatus.IN_REVIEW, DealStatus.NEEDS_INFO}
# Statuses after which nothing more happens to a deal.
CLOSED_STATUSES = {
    DealStatus.REJECTED, DealStatus.WON, DealStatus.LOST, DealStatus.WITHDRAWN, DealStatus.EXPIRED,
    DealStatus.MERGED,
}
# Statuses in which the deal counts as an open registration of its end customer.
OPEN_STATUSES = {
    DealStatus.SUBMITTED,
    DealStatus.SCREENING,
    DealStatus.IN_REVIEW,
    DealStatus.NEEDS_INFO,
    DealStatus.ACCEPTED,
    DealStatus.CONVERTED,
}


class DealSource(models.TextChoices):
    PARTNER = "partner", _("Partner-sourced")
    REFERRAL = "referral", _("Referral")
    RESELLER = "reseller", _("Reseller")
    DIRECT = "direct", _("Direct")
    VENDOR = "vendor", _("Vendor-generated")


class Urgency(models.TextChoices):
    LOW = "low", _("Low: exploring, no set timeline")
    MEDIUM = "medium", _("Medium: buying within 6 months")
    HIGH = "high", _("High: buying within 3 months")
    CRITICAL = "critical", _("Critical: buying within 30 days")


class ContactAuthority(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker / budget holder")
    INFLUENCER = "influencer", _("Influencer / evaluator")
    CHAMPION = "champion", _("Champion without budget")
    UNKNOWN = "unknown", _("Unknown")


class IntroductionPath(models.TextChoices):
    EXISTING_CLIENT = "existing_client", _("Existing client of ours")
    CUSTOMER_INBOUND = "customer_inbound", _("Customer came to us")
    OUTBOUND = "outbound", _("Our outbound prospecting")
    EVENT = "event", _("Event or webinar")
    REFERRAL = "referral", _("Referred by a third party")
    VENDOR_INTRO = "vendor_intro", _("Introduced by the vendor")
    OTHER = "other", _("Other (explain in notes)")


class CompanySize(models.TextChoices):
    XS = "1-49", _("1–49 employees")
    S = "50-249", _("50–249 employees")
    M = "250-999", _("250–999 employees")
    L = "1000-4999", _("1,000–4,999 employees")
    XL = "5000+", _("5,000+ employees")


class MatchKind(models.TextChoices):
    """How a duplicate candidate relates to the registration being screened."""

    SAME_PARTNER = "same_partner", _("Same-partner resubmission")
    CROSS_PARTNER = "cross_partner", _("Cross-partner conflict")
    DIRECT_SALES = "direct_sales", _("Direct-sales conflict")
    EXISTING_CUSTOMER = "existing_customer", _("Existing customer")
    STRATEGIC_ACCOUNT = "strategic_account", _("Strategic account")
    VENDOR_LEAD = "vendor_lead", _("Open vendor lead")
    # A CRM account (or one of its contacts) matched, and nothing more applies: the vendor
    # already knows the company, which the reviewer should see. Not a conflict.
    KNOWN_ACCOUNT = "known_account", _("Known CRM account")


# Kinds that open an attribution-conflict review and pause sales routing.
CONFLICT_KINDS = {MatchKind.CROSS_PARTNER, MatchKind.DIRECT_SALES}


class MatchTarget(models.TextChoices):
    DEAL = "deal", _("Deal registration")
    ACCOUNT = "account", _("CRM account")
    OPPORTUNITY = "opportunity", _("CRM opportunity")
    VENDOR_LEAD = "vendor_lead", _("Vendor lead")


class StopRule(models.TextChoices):
    MISSING_CONTEXT = "missing_context", _("Missing end-customer context, introduction path or source")
    NO_FIT_EVIDENCE = "no_fit_evidence", _("No fit evidence")
    UNCLEAR_AUTHORITY = "unclear_authority", _("Unclear authority")
    INCOMPLETE_CONSENT = "incomplete_consent", _("Incomplete consent")
    DUPLICATE_CONFLICT = "duplicate_conflict", _("Duplicate ownership conflict")
    STRATEGIC_ACCOUNT = "strategic_account", _("Strategic or sensitive account")
    COMMITMENTS = "commitments", _("Implies pricing, scope, procurement or other commitments")


class ScreeningStepName(models.TextChoices):
    NORMALIZE = "normalize", _("Normalize")
    MATCH = "match", _("Find duplicates and conflicts")
    STOP_RULES = "stop_rules", _("Apply stop rules")
    SUMMARY = "summary", _("Qualification summary")
    TASKS = "tasks", _("Open review tasks")


class StepStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class FitTier(models.TextChoices):
    STRONG = "strong", _("Strong fit")
    MODERATE = "moderate", _("Moderate fit")
    WEAK = "weak", _("Weak fit")
    UNKNOWN = "unknown", _("Unknown")


class Recommendation(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    NEEDS_MORE_CONTEXT = "needs_more_context", _("Needs more context")
    DECLINE_CANDIDATE = "decline_candidate", _("Decline candidate")


class SummaryEngine(models.TextChoices):
    DETERMINISTIC = "deterministic", _("Deterministic rules")
    ANTHROPIC = "anthropic", _("Anthropic")


# ISO 4217 currency codes in circulation (funds, precious metals and testing codes left
# out: a deal is not priced in them). No library here ships the list; Babel or
# pycountry would, and can replace this table if one joins the requirements.
CURRENCIES = {
    "AED": "UAE Dirham", "AFN": "Afghani", "ALL": "Lek", "AMD": "Armenian Dram",
    "AOA": "Kwanza", "ARS": "Argentine Peso", "AUD": "Australian Dollar",
    "AWG": "Aruban Florin", "AZN": "Azerbaijan Manat", "BAM": "Convertible Mark",
    "BBD": "Barbados Dollar", "BDT": "Taka", "BGN": "Bulgarian Lev", "BHD": "Bahraini Dinar",
    "BIF": "Burundi Franc", "BMD": "Bermudian Dollar", "BND": "Brunei Dollar",
    "BOB": "Boliviano", "BRL": "Brazilian Real", "BSD": "Bahamian Dollar", "BTN": "Ngultrum",
    "BWP": "Pula", "BYN": "Belarusian Ruble", "BZD": "Belize Dollar", "CAD": "Canadian Dollar",
    "CDF": "Congolese Franc", "CHF": "Swiss Franc", "CLP": "Chilean Peso",
    "CNY": "Yuan Renminbi", "COP": "Colombian Peso", "CRC": "Costa Rican Colon",
    "CUP": "Cuban Peso", "CVE": "Cabo Verde Escudo", "CZK": "Czech Koruna",
    "DJF": "Djibouti Franc", "DKK": "Danish Krone", "DOP": "Dominican Peso",
    "DZD": "Algerian Dinar", "EGP": "Egyptian Pound", "ERN": "Nakfa", "ETB": "Ethiopian Birr",
    "EUR": "Euro", "FJD": "Fiji Dollar", "FKP": "Falkland Islands Pound",
    "GBP": "Pound Sterling", "GEL": "Lari", "GHS": "Ghana Cedi", "GIP": "Gibraltar Pound",
    "GMD": "Dalasi", "GNF": "Guinean Franc", "GTQ": "Quetzal", "GYD": "Guyana Dollar",
    "HKD": "Hong Kong Dollar", "HNL": "Lempira", "HTG": "Gourde", "HUF": "Forint",
    "IDR": "Rupiah", "ILS": "New Israeli Sheqel", "INR": "Indian Rupee", "IQD": "Iraqi Dinar",
    "IRR": "Iranian Rial", "ISK": "Iceland Krona", "JMD": "Jamaican Dollar",
    "JOD": "Jordanian Dinar", "JPY": "Yen", "KES": "Kenyan Shilling", "KGS": "Som",
    "KHR": "Riel", "KMF": "Comorian Franc", "KPW": "North Korean Won", "KRW": "Won",
    "KWD": "Kuwaiti Dinar", "KYD": "Cayman Islands Dollar", "KZT": "Tenge", "LAK": "Lao Kip",
    "LBP": "Lebanese Pound", "LKR": "Sri Lanka Rupee", "LRD": "Liberian Dollar",
    "LSL": "Loti", "LYD": "Libyan Dinar", "MAD": "Moroccan Dirham", "MDL": "Moldovan Leu",
    "MGA": "Malagasy Ariary", "MKD": "Denar", "MMK": "Kyat", "MNT": "Tugrik", "MOP": "Pataca",
    "MRU": "Ouguiya", "MUR": "Mauritius Rupee", "MVR": "Rufiyaa", "MWK": "Malawi Kwacha",
    "MXN": "Mexican Peso", "MYR": "Malaysian Ringgit", "MZN": "Mozambique Metical",
    "NAD": "Namibia Dollar", "NGN": "Naira", "NIO": "Cordoba Oro", "NOK": "Norwegian Krone",
    "NPR": "Nepalese Rupee", "NZD": "New Zealand Dollar", "OMR": "Rial Omani",
    "PAB": "Balboa", "PEN": "Sol", "PGK": "Kina", "PHP": "Philippine Peso",
    "PKR": "Pakistan Rupee", "PLN": "Zloty", "PYG": "Guarani", "QAR": "Qatari Rial",
    "RON": "Romanian Leu", "RSD": "Serbian Dinar", "RUB": "Russian Ruble",
    "RWF": "Rwanda Franc", "SAR": "Saudi Riyal", "SBD": "Solomon Islands Dollar",
    "SCR": "Seychelles Rupee", "SDG": "Sudanese Pound", "SEK": "Swedish Krona",
    "SGD": "Singapore Dollar", "SHP": "Saint Helena Pound", "SLE": "Leone",
    "SOS": "Somali Shilling", "SRD": "Surinam Dollar", "SSP": "South Sudanese Pound",
    "STN": "Dobra", "SVC": "El Salvador Colon", "SYP": "Syrian Pound", "SZL": "Lilangeni",
    "THB": "Baht", "TJS": "Somoni", "TMT": "Turkmenistan New Manat", "TND": "Tunisian Dinar",
    "TOP": "Pa'anga", "TRY": "Turkish Lira", "TTD": "Trinidad and Tobago Dollar",
    "TWD": "New Taiwan Dollar", "TZS": "Tanzanian Shilling", "UAH": "Hryvnia",
    "UGX": "Uganda Shilling", "USD": "US Dollar", "UYU": "Peso Uruguayo",
    "UZS": "Uzbekistan Sum", "VES": "Bolívar Soberano", "VND": "Dong", "VUV": "Vatu",
    "WST": "Tala", "XAF": "CFA Franc BEAC", "XCD": "East Caribbean Dollar",
    "XCG": "Caribbean Guilder", "XOF": "CFA Franc BCEAO", "XPF": "CFP Franc",
    "YER": "Yemeni Rial", "ZAR": "Rand", "ZMW": "Zambian Kwacha", "ZWG": "Zimbabwe Gold",
}
DEFAULT_CURRENCY = "USD"
# For a select: "EUR – Euro", in code order.
CURRENCY_CHOICES = [(code, f"{code} – {name}") for code, name in sorted(CURRENCIES.items())]


def currency_code(value: object) -> str | None:
    """The ISO 4217 code `value` names ("eur", " EUR "), or None when it names none."""
    code = str(value or "").strip().upper()
    return code if code in CURRENCIES else None
