"""Settings of the review-queue benchmark (bench/queue_bench.py): the test settings, with the
cache production runs (Redis at REDIS_URL). The test settings' in-process cache holds 300
entries: at 100,000 deals the queue's due order alone is 800 pages, so the culled order was
computed again on every request, which no deployment does. Never used by the product."""

from partnerportal.settings.base import CACHES as PRODUCTION_CACHES
from partnerportal.settings.test import *  # noqa: F403

CACHES = PRODUCTION_CACHES
