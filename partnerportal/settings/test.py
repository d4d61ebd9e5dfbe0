"""Test settings: fast hashing, in-memory mail, eager Celery (unit tests only)."""

import tempfile

import environ

from .base import *  # noqa: F403
from .base import env_bool, env_secret

DEBUG = False
SECRET_KEY = env_secret("SECRET_KEY", default="test-secret-key-not-for-production-0123456789")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A worker process a test starts may say false, so that what it queues goes to the broker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS}  # noqa: F405
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "database": DATABASE_CACHE,  # noqa: F405
}

# The suite creates, migrates and flushes databases, so it connects as the owner role of
# DATABASE_MIGRATE_URL, on the database DATABASE_URL names (processes a test starts are
# handed the test database that way). Tests of the application role connect as it on purpose.
_owner = environ.Env.db_url_config(DATABASE_MIGRATE_URL)  # noqa: F405
if _owner["ENGINE"] == DATABASES["default"]["ENGINE"]:  # noqa: F405
    DATABASES["default"]["USER"] = _owner.get("USER", "")  # noqa: F405
    DATABASES["default"]["PASSWORD"] = _owner.get("PASSWORD", "")  # noqa: F405
# Each test run has its own (empty) checkpoint directory: test databases are new each run.
AUDIT_CHECKPOINT_DIR = tempfile.mkdtemp(prefix="audit-checkpoints-")
