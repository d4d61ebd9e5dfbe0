#!/bin/sh
# PostgreSQL image init (docker-compose mounts audit/sql/ into /docker-entrypoint-initdb.d):
# create the application role PORTAL_APP_USER with PORTAL_APP_PASSWORD, as bin/db-roles does.
# Runs once, on an empty data volume, before any migration: default privileges cover the
# tables migrate creates, and migration audit 0002 makes the audit tables append-only.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_role="${PORTAL_APP_USER:-portal_app}" -v app_password="$PORTAL_APP_PASSWORD" \
    -f /docker-entrypoint-initdb.d/db_roles.psql
