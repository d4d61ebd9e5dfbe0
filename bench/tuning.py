"""What-if variants of scoring, measured on the labeled pairs.

Bench-only prototypes of the tuning suggestions in RESULTS.md, aimed at the errors the
current matcher still makes: each wraps `leads.matching.score` (or a helper it calls) for
one evaluation and restores it. They are measured on set A and on a held-out set B from
another seed (same generator, other companies and variations).
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace

from leads import matching

MIN_NAME_IN_DOMAIN = 6


@contextmanager
def _patch(module: object, name: str, value: object) -> Iterator[None]:
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


def _labels(subject: matching.Subject) -> set[str]:
    return {matching._label(d) for d in subject.domains}


def name_in_domain(subject: matching.Subject, other: matching.Subject) -> bool:
    """One record's website or mail domain spells the other's whole name:
    'Floust Investments SA' and floustinvestments.com."""
    def spelled(name: str) -> str:
        return "".join(ch for ch in name if ch.isalnum())

    return any(len(spelled(s.company)) >= MIN_NAME_IN_DOMAIN and spelled(s.company) in _labels(o)
               for s, o in ((subject, other), (other, subject)))


@contextmanager
def name_in_domain_counts_as_name() -> Iterator[None]:
    """When one domain spells the other's name, compare as if the names were equal."""
    original = matching.score

    def patched(subject: matching.Subject, other: matching.Subject):
        if (matching.company_similarity(subject.company, other.company) < 95
                and name_in_domain(subject, other)):
            subject = replace(subject, company=other.company)
        return original(subject, other)

    with _patch(matching, "score", patched):
        yield


@contextmanager
def related_by_either_name() -> Iterator[None]:
    """domains_related also tries the other record's first word (a typo in one name)."""
    original_score, original_related = matching.score, matching.domains_related
    other_company = {"name": ""}

    def related(a: str, b: str, company: str) -> bool:
        return original_related(a, b, company) or original_related(a, b, other_company["name"])

    def patched(subject: matching.Subject, other: matching.Subject):
        other_company["name"] = other.company
        return original_score(subject, other)

    with ExitStack() as stack:
        stack.enter_context(_patch(matching, "domains_related", related))
        stack.enter_context(_patch(matching, "score", patched))
        yield


PHONE_ONLY = "only the phone number is shared; company names differ"


@contextmanager
def same_person_same_phone() -> Iterator[None]:
    """No 'only the phone is shared' discount when the contact's name matches too."""
    original = matching.score

    def patched(subject: matching.Subject, other: matching.Subject):
        match = original(subject, other)
        if match and PHONE_ONLY in match.reasons and "contact_name" in match.matched_fields:
            match.reasons.remove(PHONE_ONLY)
            match.score = round(min(1.0, match.score + 0.3), 3)
        return match

    with _patch(matching, "score", patched):
        yield


@contextmanager
def everything() -> Iterator[None]:
    with ExitStack() as stack:
        for variant in (name_in_domain_counts_as_name, related_by_either_name,
                        same_person_same_phone):
            stack.enter_context(variant())
        yield


VARIANTS: list[tuple[str, str, Callable]] = [
    ("N1 name spelled by the other's domain",
     "score: when a website or mail label spells the other record's whole normalized name "
     f"(≥ {MIN_NAME_IN_DOMAIN} letters; 'Floust SA' / floustinvestments.com with 'Floust "
     "Investments'), compare the names as equal", name_in_domain_counts_as_name),
    ("N2 related domains by either name",
     "domains_related(mine, theirs, subject.company) or domains_related(mine, theirs, "
     "other.company): a typo in the new name's first word no longer hides the brand "
     "(menongroup.eu / menonpharmaceuticals.com)", related_by_either_name),
    ("N3 same person, same phone",
     "no −0.3 'only the phone number is shared' when the contact names also match",
     same_person_same_phone),
    ("N1–N3 together", "all three", everything),
]
