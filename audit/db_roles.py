"""Create or update the application's PostgreSQL role and its grants (`bin/db-roles`).

Reads DATABASE_URL (the application's connection: its user is the role to manage, with its
password) and DATABASE_MIGRATE_URL (the owner's connection, on whose database the grants are
made), then runs `audit/sql/db_roles.psql`, the same SQL docker-compose's PostgreSQL runs at
init. Safe to run any number of times, before or after `manage.py migrate`.
"""

import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

SQL_FILE = Path(__file__).resolve().parent / "sql" / "db_roles.psql"
LOCKDOWN_MARKER = "-- audit-lockdown"
_VARIABLE = re.compile(r":'(app_role|app_password)'")


def role_sql(*, lockdown_only: bool = False) -> str:
    """The role SQL with psql variables left in (`:'app_role'`, `:'app_password'`)."""
    text = SQL_FILE.read_text()
    if lockdown_only:
        head = text.split("DO $roles$", 1)[0]
        text = head + text[text.index(LOCKDOWN_MARKER):]
    return text


def render(text: str, values: dict[str, str], connection) -> str:
    """Replace psql's `:'name'` variables by quoted literals, as psql would."""
    from psycopg import sql

    return _VARIABLE.sub(
        lambda m: sql.Literal(values[m.group(1)]).as_string(connection), text
    )


def apply(*, owner_url: str, app_url: str) -> str:
    """Run the role SQL on the owner's database; return the role name it managed."""
    import psycopg

    app, owner = urlsplit(app_url), urlsplit(owner_url)
    if not owner.scheme.startswith("postgres"):
        raise SystemExit("DATABASE_MIGRATE_URL (or DATABASE_URL) is not a PostgreSQL URL")
    role = unquote(app.username or "")
    if not role:
        raise SystemExit("DATABASE_URL names no user: the application role is its user")
    values = {"app_role": role, "app_password": unquote(app.password or "")}
    with psycopg.connect(_libpq_url(owner_url), autocommit=True) as connection:
        connection.execute(render(role_sql(), values, connection))
        database = connection.info.dbname
    return f"{role} on database {database}"


def _libpq_url(url: str) -> str:
    """dj-database-url accepts postgres:// and postgresql://; libpq wants one of them."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def main() -> None:
    env_file = Path(__file__).resolve().parent.parent / ".env"
    if env_file.exists():
        import environ

        environ.Env.read_env(str(env_file))
    app_url = os.environ.get("DATABASE_URL", "")
    owner_url = os.environ.get("DATABASE_MIGRATE_URL", "") or app_url
    if not app_url.startswith("postgres"):
        sys.exit("bin/db-roles: DATABASE_URL must be a PostgreSQL URL (SQLite has no roles)")
    print(f"bin/db-roles: application role {apply(owner_url=owner_url, app_url=app_url)}: "
          "grants updated; audit tables append-only")


if __name__ == "__main__":
    main()
