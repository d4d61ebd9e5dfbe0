"""What-if variants of the evidence weights, measured on the labeled pairs.

Each variant changes one documented weight of `leads.evidence` for one evaluation and
restores it, so RESULTS.md shows what each rule is worth on set A and on the held-out
set B (another seed: other companies and variations).
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from leads import evidence


@contextmanager
def _patch(module: object, **values: object) -> Iterator[None]:
    saved = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


def no_frequencies() -> Iterator[None]:
    """Agreement on a frequent value counts like agreement on a rare one."""
    return _patch(evidence, PHONE_SHARED_PER_DOUBLING=0.0, NAME_FREQUENT_PER_DOUBLING=0.0,
                  WORD_FREQUENT_PER_DOUBLING=0.0, CITY_FREQUENT_PER_DOUBLING=0.0)


def containment_alone() -> Iterator[None]:
    """A shortened or extended name counts without another agreeing field."""
    return _patch(evidence, NAME_CONTAINED_ALONE=evidence.NAME_CONTAINED,
                  NAME_ALIKE_ALONE=evidence.NAME_ALIKE)


def soft_conflicts() -> Iterator[None]:
    """Conflicting cities and addresses count half as much against."""
    return _patch(evidence, CITY_DIFFERENT=evidence.CITY_DIFFERENT / 2,
                  ADDRESS_DIFFERENT=evidence.ADDRESS_DIFFERENT / 2)


@contextmanager
def everything() -> Iterator[None]:
    with ExitStack() as stack:
        for variant in (no_frequencies, containment_alone, soft_conflicts):
            stack.enter_context(variant())
        yield


VARIANTS: list[tuple[str, str, Callable]] = [
    ("W1 no frequency weighting", "phone, name, word and city agreement not discounted by "
     "how many other records carry the value", no_frequencies),
    ("W2 containment alone", "'Nordic Deli' / 'Nordic Delicatessen' and names differing by "
     "common words count fully without another agreeing field", containment_alone),
    ("W3 soft conflicts", "a different city or street address weighs half", soft_conflicts),
    ("W1–W3 together", "all three", everything),
]
