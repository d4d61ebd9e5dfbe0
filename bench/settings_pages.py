"""Settings of the page benchmark (bench/pages.py): production settings, plus the bench-only
URL configuration (the product's URLs and a bare reference page), the bare page's template
folder and a static root of its own. Never used by the product."""

from pathlib import Path

from partnerportal.settings.production import *  # noqa: F403
from partnerportal.settings.production import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls_bench"
STATIC_ROOT = BASE_DIR / "var" / "bench-pages-static"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]
