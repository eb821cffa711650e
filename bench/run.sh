#!/usr/bin/env bash
# `make bench`: in a database of its own (shanwang_bench, created and dropped here), seed
# 10,000 projects with seed_scale, measure every page and job in-process beside its anchor
# (bench/measure.py: the admin changelist at the same page size, the bare SQL, each
# reminder scan, the import against Django's bulk_create), load-test the list, the
# dashboard, a project page and the report submission through gunicorn with wrk and weigh
# the pages (bench/loadtest.py, bench/weight.py when present), print briefing PDFs at once
# (bench/briefing_pdf.py, when Chromium is there), and write docs/benchmarks.md
# (bench/report.py).
#
# Settings are production's (debug off, persistent connections, JSON logs), on PostgreSQL
# at 127.0.0.1:5432 as user postgres unless BENCH_PG_URL names another server
# (postgres://user@host:port, without a database). Needs about 20 minutes on 2 cores.
# BENCH_DB, BENCH_WORK and BENCH_OUT name another database, work folder and report, so
# that a second run does not touch the first's.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

PY=.venv/bin/python
PROJECTS=${BENCH_PROJECTS:-10000}
SAMPLES=${BENCH_SAMPLES:-30}
NEW_SAMPLES=${BENCH_NEW_SAMPLES:-10}
LOAD_SECONDS=${BENCH_LOAD_SECONDS:-60}
SHORT_SECONDS=${BENCH_SHORT_SECONDS:-30}
PG=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-shanwang_bench}
WORK=${BENCH_WORK:-var/bench}
OUT=${BENCH_OUT:-docs/benchmarks.md}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)  # absolute: it is also the var folder (SHANWANG_VAR_DIR)

log "Tools"
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk
fi
command -v psql >/dev/null 2>&1 || { echo "psql is needed (apt-get install postgresql-client)"; exit 1; }
wrk --version 2>&1 | head -n 1 || true

export DATABASE_URL="$PG/$DB"
# Production's settings (deploy/shanwang.env.example), on loopback.
export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY="bench-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver
export DJANGO_CONN_MAX_AGE=60
export DJANGO_LOG_LEVEL=WARNING
export LOG_FORMAT=json
export SHANWANG_VAR_DIR="$WORK"
export CELERY_BROKER_URL=memory://

drop_database() {
  psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
}
trap drop_database EXIT

log "Database $DB"
drop_database
psql "$PG/postgres" -q -c "CREATE DATABASE $DB ENCODING 'UTF8' TEMPLATE template0"
$PY manage.py migrate --no-input -v0
$PY manage.py load_report_data
$PY manage.py seed_scale --projects "$PROJECTS" --force 2>&1 | tee "$WORK/seed.txt"
psql "$DATABASE_URL" -q -c "VACUUM ANALYZE"
$PY manage.py collectstatic --no-input -v0

log "In-process measurements"
$PY bench/measure.py --out "$WORK/measure.json" --samples "$SAMPLES" --new-samples "$NEW_SAMPLES"

log "Load test (gunicorn, wrk) and page weight"
$PY bench/loadtest.py --out "$WORK/load.json" --seconds "$LOAD_SECONDS" \
  --short-seconds "$SHORT_SECONDS"

log "Briefing PDFs at once"
rm -f "$WORK/briefing_pdf.json"
$PY bench/briefing_pdf.py --prints 4 --out "$WORK/briefing_pdf.json" ||
  printf '{"skipped": "bench/briefing_pdf.py exited with %s (no Chromium?)"}\n' "$?" \
    >"$WORK/briefing_pdf.json"

log "Removal"
$PY manage.py seed_scale --remove 2>&1 | tee "$WORK/remove.txt"

log "Report"
$PY bench/report.py --measure "$WORK/measure.json" --load "$WORK/load.json" \
  --seed "$WORK/seed.txt" --remove "$WORK/remove.txt" \
  --briefing-pdf "$WORK/briefing_pdf.json" --out "$OUT"
echo "Wrote $OUT"
