"""Development settings: DEBUG on, a fixed development secret, console e-mail."""

from .base import *  # noqa: F403
from .base import env_bool, env_secret

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_secret(
    "SECRET_KEY", default="django-insecure-local-development-key-change-me-0123456789"
)
