# shellcheck shell=bash
# Shared by deploy/backup.sh and deploy/restore.sh (sourced, not run).

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
die() { log "error: $*" >&2; exit 1; }

# Read an env file the way systemd's EnvironmentFile= does for the values it documents.
load_env_file() {
  [[ -r $1 ]] || die "cannot read env file $1"
  set -a
  # shellcheck disable=SC1090
  . "$1"
  set +a
}

# The uploads folder, with the defaults of shanwang/settings.py.
media_root() {
  local app_dir
  app_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  printf '%s\n' "${DJANGO_MEDIA_ROOT:-${SHANWANG_VAR_DIR:-$app_dir/var}/media}"
}

# Export libpq's PG* variables for the database of DATABASE_URL, parsed by django-environ
# exactly as the app parses it; the password stays out of the command lines (ps).
export_pg_environment() {
  : "${DATABASE_URL:?DATABASE_URL is not set}"
  local app_dir python settings
  app_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  python=${PYTHON:-$app_dir/.venv/bin/python}
  [[ -x $python ]] || die "no Python with django-environ at $python (set PYTHON)"
  settings=$("$python" - <<'PY'
import os
import shlex
import sys

import environ

config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
if config["ENGINE"] != "django.db.backends.postgresql":
    sys.exit("DATABASE_URL does not name a PostgreSQL database: backups need pg_dump")
names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD",
         "NAME": "PGDATABASE"}
options = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
           "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT"}
values = {variable: config.get(key) for key, variable in names.items()}
values |= {variable: config.get("OPTIONS", {}).get(key) for key, variable in options.items()}
for variable, value in values.items():
    if value not in (None, ""):
        print(f"export {variable}={shlex.quote(str(value))}")
PY
) || die "cannot read DATABASE_URL"
  unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE PGSSLROOTCERT PGSSLCERT PGSSLKEY \
    PGCONNECT_TIMEOUT
  eval "$settings"
}
