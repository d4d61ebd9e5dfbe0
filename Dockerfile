# Partner Portal image: gunicorn (web), Celery worker and beat all run from it.
# Build: docker compose build   (see docker-compose.yml for how it is run)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=partnerportal.settings.production

WORKDIR /app

# An unprivileged user runs everything. It owns only var/ (static files, beat schedule) and
# its home (gunicorn keeps its control socket in ~/.gunicorn/).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
       --shell /usr/sbin/nologin app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files are collected at build time (whitenoise serves them). Production settings need
# DEBUG off and a 50+ character SECRET_KEY; this one exists only during this step.
RUN mkdir -p var/staticfiles var/broker var/audit-checkpoints \
    && DEBUG=false \
       SECRET_KEY=build-time-only-collectstatic-key-never-used-at-runtime-0123456789 \
       python manage.py collectstatic --noinput \
    && chown -R app:app var

USER app

EXPOSE 8000

CMD ["gunicorn", "partnerportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
