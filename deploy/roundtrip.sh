#!/usr/bin/env bash
# Exercise the production stack on this machine, end to end, then clean up after itself.
#
#   deploy/roundtrip.sh          (KEEP=1 keeps the scratch folder and its logs)
#
# Installs the code as docs/deploy.md describes (a copy under a scratch folder, with this
# checkout's .venv and node_modules), on a scratch PostgreSQL database (shanwang_deploy)
# and Redis database 3, with DJANGO_DEBUG=0 and the env file built from
# deploy/shanwang.env.example. Then: migrate, load the report's data and the demo
# accounts, compile the translations, collect the static files (compressed manifest
# storage); start gunicorn (deploy/gunicorn.conf.py), two Celery workers, one beat under
# its lock and a standby, and nginx with deploy/nginx/shanwang.conf on loopback ports
# with a throw-away certificate; check /healthz, static files (hashed, gzip, cached),
# the client address behind the proxy, a log-in, the dashboard, a photo upload served
# through X-Accel-Redirect, a task through a worker, the beat lock and its failover,
# JSON logs, the Redis snippet and the systemd units; back up (deploy/backup.sh), drop
# the database and the uploads, restore (deploy/restore.sh) and prove it: the same rows,
# content and sequences in every table and the same uploaded files, and the restored
# site serves the photo to the restored session. Exits non-zero on the first failure.
# Needs root for apt-get only if Debian packages are missing.
set -Eeuo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DB=shanwang_deploy
REDIS_DB=3
PG=(psql --no-psqlrc -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres)
PG_ADMIN=("${PG[@]}" -d postgres)
PG_APP=("${PG[@]}" -d "$DB")
DEMO_PASSWORD=shanwang-demo-2024
HOST=shanwang.test
CLIENT_IP=127.0.0.2  # requests to nginx come from here, to tell the client from the proxy
T0=$(date +%s.%N)

# --- reporting -----------------------------------------------------------------------
SUMMARY=()
STEP=
STEP_T0=
now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
STEP_INDEX=
end_step() {
  [[ -n $STEP ]] && SUMMARY[STEP_INDEX]=$(printf '%6s s  %s' "$(seconds_since "$STEP_T0")" "$STEP")
  STEP=
}
step() {
  end_step
  STEP=$1 STEP_T0=$(now) STEP_INDEX=${#SUMMARY[@]}
  SUMMARY+=("$(printf '%6s    %s' '' "$1")")
  printf '\n== %s\n' "$1"
}
ok() { printf '   ok  %s\n' "$*"; SUMMARY+=("            ok  $*"); }
note() { printf '   --  %s\n' "$*"; SUMMARY+=("            --  $*"); }
fail() { printf '   FAIL  %s\n' "$*" >&2; FAILURE="$STEP: $*"; exit 1; }
FAILURE=

# --- processes we start (stopped by pid, never by name) ---------------------------------
declare -A PIDS=()
start() {  # start NAME LOGFILE COMMAND...: run in the background, stdout to LOGFILE(.out/.err)
  local name=$1 log=$2
  shift 2
  "$@" >"$log.out" 2>"$log.err" &
  PIDS[$name]=$!
}
stop() {  # stop NAME...: SIGTERM, then SIGKILL after 20 s
  local name pid
  for name in "$@"; do
    pid=${PIDS[$name]:-}
    [[ -n $pid ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  for name in "$@"; do
    pid=${PIDS[$name]:-}
    [[ -n $pid ]] || continue
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "PIDS[$name]"
  done
}
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + seconds))
  until "$@" >/dev/null 2>&1; do
    (($(date +%s) < deadline)) || fail "timed out after ${seconds}s waiting for $what"
    sleep 0.2
  done
}

cleanup() {
  local status=$?
  end_step
  trap - EXIT ERR
  printf '\n== cleaning up\n'
  ((${#PIDS[@]})) && stop "${!PIDS[@]}"
  "${PG_ADMIN[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>/dev/null || true
  redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB" FLUSHDB >/dev/null 2>&1 || true
  if [[ -n ${WORK:-} && -d $WORK ]]; then
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  fi
  printf '\n== summary (deploy/roundtrip.sh)\n'
  printf '%s\n' "${SUMMARY[@]}"
  if ((status == 0)); then
    printf '\nPASS: production stack round trip in %s s\n' "$(seconds_since "$T0")"
  else
    printf '\nFAIL: %s (after %s s)\n' "${FAILURE:-exit status $status at line ${LINENO}}" \
      "$(seconds_since "$T0")"
    [[ -n ${WORK:-} && ${KEEP:-0} != 1 ]] && echo "(run with KEEP=1 to keep the logs)"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'FAILURE=${FAILURE:-"$STEP: command failed (line $LINENO): $BASH_COMMAND"}' ERR

# --- 1. tools --------------------------------------------------------------------------
step "Debian packages"
declare -A PACKAGE_OF=(
  [pg_dump]=postgresql-client [pg_restore]=postgresql-client [psql]=postgresql-client
  [createdb]=postgresql-client [redis-cli]=redis-tools [redis-server]=redis-server
  [nginx]=nginx [openssl]=openssl [curl]=curl [msgfmt]=gettext
)
missing=()
for tool in "${!PACKAGE_OF[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${PACKAGE_OF[$tool]}")
done
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  ((EUID == 0)) || fail "missing Debian packages: ${missing[*]} (apt-get install them as root)"
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[[ -x $SRC/.venv/bin/python ]] || fail "no $SRC/.venv: run make setup (or make test) once first"
[[ -d $SRC/node_modules ]] || fail "no $SRC/node_modules: run make assets once first"
pg_isready -h 127.0.0.1 -p 5432 -q || fail "PostgreSQL does not answer on 127.0.0.1:5432"
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || fail "Redis does not answer on 127.0.0.1:6379"
ok "postgresql-client $(pg_dump --version | awk '{print $3}'), server $("${PG_ADMIN[@]}" -tAc 'SHOW server_version' | awk '{print $1}'), $(nginx -v 2>&1 | sed 's/.*: //'), redis $(redis-cli -h 127.0.0.1 info server | sed -n 's/^redis_version:\(.*\)\r$/\1/p'), $(nproc) cores"

# --- 2. install into a scratch folder --------------------------------------------------
step "install the code into a scratch folder"
WORK=$(mktemp -d /tmp/shanwang-roundtrip.XXXXXX)
chmod 755 "$WORK"  # nginx's workers (www-data) read static files and uploads below it
APP=$WORK/app
mkdir -p "$APP" "$WORK/logs" "$WORK/tls" "$WORK/nginx" "$WORK/redis" "$WORK/backups" "$WORK/http"
tar -C "$SRC" --exclude=./.venv --exclude=./node_modules --exclude=./var --exclude=./.git \
  --exclude=./tests --exclude=./bench/results --exclude='__pycache__' --exclude='*.mo' \
  -cf - . | tar -C "$APP" -xf -
ln -s "$SRC/.venv" "$APP/.venv"
ln -s "$SRC/node_modules" "$APP/node_modules"
PY=$APP/.venv/bin/python
CELERY=$APP/.venv/bin/celery
cd "$APP"

read -r WEB_PORT HTTP_PORT HTTPS_PORT REDIS_PORT < <("$PY" - <<'PY'
import socket

sockets = [socket.socket() for _ in range(4)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))
PY
)
BASE=https://$HOST:$HTTPS_PORT

# The env file: the documented example, then this machine's values (later lines win).
ENV_FILE=$WORK/shanwang.env
{
  cat "$SRC/deploy/shanwang.env.example"
  cat <<EOF

# --- deploy/roundtrip.sh on this machine ---
DJANGO_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
DJANGO_ALLOWED_HOSTS=$HOST
SITE_URL=$BASE
DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
REDIS_URL=redis://127.0.0.1:6379/$REDIS_DB
SHANWANG_VAR_DIR=$WORK/var
DJANGO_MEDIA_ROOT=$WORK/var/media
EMAIL_URL=
GUNICORN_BIND=127.0.0.1:$WEB_PORT
BACKUP_DIR=$WORK/backups
BEAT_LOCK_RETRY_SECONDS=1
EOF
} >"$ENV_FILE"
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a
unset DJANGO_SETTINGS_MODULE PYTHONPATH
ok "app in $APP; web 127.0.0.1:$WEB_PORT, nginx $HTTP_PORT/$HTTPS_PORT, database $DB, redis db $REDIS_DB"

# --- 3. database, set-up steps of docs/deploy.md ---------------------------------------
step "scratch database and set-up (check --deploy, compilemessages, migrate, data, collectstatic)"
"${PG_ADMIN[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
"${PG_ADMIN[@]}" -c "CREATE DATABASE $DB ENCODING 'UTF8' TEMPLATE template0"
redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB" FLUSHDB >/dev/null
run_logged() {  # run_logged NAME COMMAND...: output to logs/NAME.log, shown on failure
  local name=$1 t
  shift
  t=$(now)
  if ! "$@" >"$WORK/logs/$name.log" 2>&1; then
    tail -n 30 "$WORK/logs/$name.log" >&2
    fail "$name failed (see above)"
  fi
  ok "$name ($(seconds_since "$t") s)"
}
run_logged check-deploy "$PY" manage.py check --deploy --fail-level WARNING
run_logged compilemessages "$PY" manage.py compilemessages --ignore=.venv --ignore=node_modules
run_logged migrate "$PY" manage.py migrate --no-input
run_logged load_report_data "$PY" manage.py load_report_data
# Demo accounts (known password) only because this is a scratch copy: never in production.
run_logged seed_demo "$PY" manage.py seed_demo --force
run_logged collectstatic "$PY" manage.py collectstatic --no-input
STATIC_ROOT=$WORK/var/staticfiles
[[ -f $STATIC_ROOT/staticfiles.json ]] || fail "no staticfiles.json: not the manifest storage"
[[ -n $(find "$APP/locale" -name django.mo) ]] || fail "compilemessages wrote no .mo file"
ok "$(find "$STATIC_ROOT" -type f ! -name '*.gz' ! -name '*.br' | wc -l) static files, $(find "$STATIC_ROOT" -name '*.gz' | wc -l) gzip copies, manifest staticfiles.json"

# --- 4. configuration files -------------------------------------------------------------
step "nginx site, Redis snippet and systemd units"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$HOST" \
  -addext "subjectAltName=DNS:$HOST" -keyout "$WORK/tls/privkey.pem" \
  -out "$WORK/tls/fullchain.pem" >/dev/null 2>&1
sed -e "s#server 127.0.0.1:8000;#server 127.0.0.1:$WEB_PORT;#" \
  -e "s#listen 80;#listen 127.0.0.1:$HTTP_PORT;#" -e '/listen \[::\]/d' \
  -e "s#listen 443 ssl http2;#listen 127.0.0.1:$HTTPS_PORT ssl http2;#" \
  -e "s#xm.shanwang.example#$HOST#g" -e "s#/var/lib/shanwang/#$WORK/var/#g" \
  -e "s#/etc/ssl/shanwang/#$WORK/tls/#g" -e "s#/var/log/nginx/#$WORK/logs/#g" \
  "$SRC/deploy/nginx/shanwang.conf" >"$WORK/nginx/site.conf"
for path in 127.0.0.1:8000 /var/lib/shanwang /etc/ssl/shanwang /var/log/nginx xm.shanwang.example; do
  ! grep -q "$path" "$WORK/nginx/site.conf" || fail "the site file's $path was not replaced"
done
{
  ((EUID == 0)) && echo "user www-data;"
  cat <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    include $WORK/nginx/site.conf;
}
EOF
} >"$WORK/nginx/nginx.conf"
NGINX=(nginx -p "$WORK/nginx/" -e "$WORK/logs/nginx-error.log" -c "$WORK/nginx/nginx.conf")
"${NGINX[@]}" -t -q 2>"$WORK/logs/nginx-t.log" || { cat "$WORK/logs/nginx-t.log" >&2; fail "nginx -t"; }
ok "nginx -t accepts deploy/nginx/shanwang.conf (paths and ports of this machine)"

start redis-scratch "$WORK/logs/redis" redis-server "$SRC/deploy/redis/shanwang.conf" \
  --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --save '' --daemonize no
wait_for 10 "the scratch Redis" redis-cli -p "$REDIS_PORT" ping
policy=$(redis-cli -p "$REDIS_PORT" config get maxmemory-policy | tail -n 1)
aof=$(redis-cli -p "$REDIS_PORT" config get appendonly | tail -n 1)
redis-cli -p "$REDIS_PORT" set roundtrip 1 >/dev/null
[[ $policy == noeviction && $aof == yes ]] || fail "deploy/redis/shanwang.conf gives maxmemory-policy=$policy appendonly=$aof"
wait_for 5 "the append-only file" compgen -G "$WORK/redis/appendonlydir/*.aof"
stop redis-scratch
ok "deploy/redis/shanwang.conf: maxmemory-policy=$policy, appendonly=$aof, AOF written (scratch redis-server)"
live_aof=$(redis-cli -h 127.0.0.1 -p 6379 config get appendonly | tail -n 1)
live_policy=$(redis-cli -h 127.0.0.1 -p 6379 config get maxmemory-policy | tail -n 1)
[[ $live_aof == yes && $live_policy == noeviction ]] ||
  note "the shared Redis on 6379 that this run uses has appendonly=$live_aof maxmemory-policy=$live_policy (not the production snippet)"

if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir -p "$WORK/systemd"
  for unit in "$SRC"/deploy/systemd/*; do
    sed -e "s#/srv/shanwang/app#$APP#g" -e "s#/etc/shanwang/shanwang.env#$ENV_FILE#" \
      -e "s#^User=shanwang#User=$(id -un)#" -e "s#^Group=shanwang#Group=$(id -gn)#" \
      "$unit" >"$WORK/systemd/$(basename "$unit")"
  done
  (cd "$WORK/systemd" && systemd-analyze verify --man=no ./shanwang-web.service \
    ./shanwang-worker@1.service ./shanwang-beat.service ./shanwang-backup.service \
    ./shanwang-backup.timer) >"$WORK/logs/systemd-verify.log" 2>&1 ||
    { cat "$WORK/logs/systemd-verify.log" >&2; fail "systemd-analyze verify"; }
  [[ ! -s $WORK/logs/systemd-verify.log ]] ||
    { cat "$WORK/logs/systemd-verify.log" >&2; fail "systemd-analyze verify warned"; }
  ok "systemd-analyze verify: web, worker@1, beat, backup service and timer"
else
  note "systemd-analyze is not installed: unit files not verified"
fi

# --- 5. start the stack ------------------------------------------------------------------
step "start gunicorn, two workers, beat with a standby, nginx"
start web "$WORK/logs/web" "$APP/.venv/bin/gunicorn" --config deploy/gunicorn.conf.py
start worker-1 "$WORK/logs/worker-1" "$CELERY" -A shanwang --quiet worker --loglevel=INFO \
  --hostname="shanwang-1@%h" --concurrency=1
start worker-2 "$WORK/logs/worker-2" "$CELERY" -A shanwang --quiet worker --loglevel=INFO \
  --hostname="shanwang-2@%h" --concurrency=1
start beat-a "$WORK/logs/beat-a" "$PY" deploy/single_beat.py -- --loglevel=INFO
start nginx "$WORK/logs/nginx" "${NGINX[@]}" -g 'daemon off;'

direct() {  # a request straight to gunicorn, as nginx makes it
  curl -sS --max-time 30 -H "Host: $HOST" -H 'X-Forwarded-Proto: https' "$@"
}
via_nginx() {  # a request from the client address to nginx, over TLS
  curl -sS --max-time 60 --resolve "$HOST:$HTTPS_PORT:127.0.0.1" --resolve "$HOST:$HTTP_PORT:127.0.0.1" \
    --cacert "$WORK/tls/fullchain.pem" --interface "$CLIENT_IP" "$@"
}
healthy() { [[ $(direct "http://127.0.0.1:$WEB_PORT/healthz") == *'"status": "ok"'* ]]; }
wait_for 60 "gunicorn's /healthz" healthy
wait_for 30 "nginx" via_nginx -o /dev/null "$BASE/healthz"
expected=$((2 * $(nproc) + 1))
booted() { grep -c '"Booting worker with pid' "$WORK/logs/web.out" || true; }
all_booted() { (($(booted) >= expected)); }
wait_for 30 "$expected gunicorn workers" all_booted
booted=$(booted)
((booted == expected)) || fail "gunicorn booted $booted workers, expected 2 × $(nproc) cores + 1 = $expected"
ok "gunicorn: $booted sync workers (2 × $(nproc) cores + 1), bound to 127.0.0.1:$WEB_PORT"

# --- 6. web checks -------------------------------------------------------------------------
step "HTTPS, health, static files, client address"
body=$(via_nginx -w '\n%{http_code}' "$BASE/healthz")
[[ ${body##*$'\n'} == 200 && $body == *'"database": "ok"'* && $body == *'"broker": "ok"'* ]] ||
  fail "/healthz through nginx: $body"
ok "/healthz through nginx: ${body%$'\n'*}"
redirect=$(via_nginx -o /dev/null -w '%{http_code} %{redirect_url}' "http://$HOST:$HTTP_PORT/projects/?q=1")
[[ $redirect == "301 https://$HOST/projects/?q=1" ]] || fail "http:// is not redirected to https://: $redirect"
ok "http:// answers 301 to https://"

hashed=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["paths"]["vendor/bootstrap/css/bootstrap.min.css"])' "$STATIC_ROOT/staticfiles.json")
[[ $hashed =~ \.[0-9a-f]{12}\.css$ ]] || fail "the manifest names no hashed bootstrap.min.css: $hashed"
login_page=$(via_nginx "$BASE/accounts/login/")
[[ $login_page == *"/static/$hashed"* ]] || fail "the log-in page does not link /static/$hashed"
original_sha=$(sha256sum <"$STATIC_ROOT/$hashed" | cut -d' ' -f1)
check_static() {  # check_static LABEL CURL-FUNCTION URL
  local label=$1 fetch=$2 url=$3 headers=$WORK/http/static-$1.headers
  "$fetch" -H 'Accept-Encoding: gzip' -D "$headers" -o "$WORK/http/static-$1.gz" "$url"
  grep -qi '^HTTP/[0-9.]* 200' "$headers" || fail "$label: $(head -n 1 "$headers")"
  grep -qi '^content-encoding: gzip' "$headers" || fail "$label: not sent gzip-compressed"
  grep -qiE '^cache-control:.*max-age=3(1536000|15360000)' "$headers" || fail "$label: no long cache lifetime"
  grep -qi '^cache-control:.*immutable' "$headers" || fail "$label: not marked immutable"
  [[ $(gunzip -c "$WORK/http/static-$1.gz" | sha256sum | cut -d' ' -f1) == "$original_sha" ]] ||
    fail "$label: the decompressed file differs from the collected one"
  ok "$label: /static/$hashed 200, gzip ($(stat -c %s "$WORK/http/static-$1.gz") of $(stat -c %s "$STATIC_ROOT/$hashed") bytes), $(grep -i '^cache-control' "$headers" | tr -d '\r' | cut -d' ' -f2-)"
}
check_static whitenoise direct "http://127.0.0.1:$WEB_PORT/static/$hashed"
check_static nginx via_nginx "$BASE/static/$hashed"

access_addr() {  # the client address gunicorn logged for the request with this query string
  "$PY" - "$WORK/logs/web.out" "$1" <<'PY'
import json, sys

for line in open(sys.argv[1], encoding="utf-8"):
    entry = json.loads(line)
    http = entry.get("http") or {}
    if entry["logger"] == "gunicorn.access" and http.get("query") == sys.argv[2]:
        print(http["remote_addr"])
PY
}
via_nginx -o /dev/null -H 'X-Real-IP: 10.6.6.6' "$BASE/healthz?probe=through-nginx"
direct -o /dev/null --interface "$CLIENT_IP" -H 'X-Real-IP: 10.6.6.6' "http://127.0.0.1:$WEB_PORT/healthz?probe=direct-untrusted"
wait_for 5 "the access log" test -n "$(access_addr probe=direct-untrusted)"
[[ $(access_addr probe=through-nginx) == "$CLIENT_IP" ]] ||
  fail "behind nginx the app sees $(access_addr probe=through-nginx), not the client $CLIENT_IP"
[[ $(access_addr probe=direct-untrusted) == "$CLIENT_IP" ]] ||
  fail "an X-Real-IP from an untrusted peer was believed: $(access_addr probe=direct-untrusted)"
ok "REMOTE_ADDR is the client's address ($CLIENT_IP) behind nginx; a forged X-Real-IP is ignored"

# --- 7. a user's visit ------------------------------------------------------------------------
step "log in, dashboard, photo upload served through X-Accel-Redirect"
JAR=$WORK/http/cookies.txt
as_user() { via_nginx -b "$JAR" -c "$JAR" "$@"; }
as_user -o /dev/null "$BASE/accounts/login/"
csrf() { awk '$6 == "csrftoken" { print $7 }' "$JAR"; }
[[ -n $(csrf) ]] || fail "the log-in page set no csrftoken cookie"
login=$(as_user -o /dev/null -w '%{http_code} %{redirect_url}' -e "$BASE/accounts/login/" \
  --data-urlencode "csrfmiddlewaretoken=$(csrf)" --data-urlencode username=demo-staff \
  --data-urlencode "password=$DEMO_PASSWORD" "$BASE/accounts/login/")
[[ $login == "302 $BASE/" ]] || fail "log-in as demo-staff: $login"
dashboard_time=$(as_user -o "$WORK/http/dashboard.html" -w '%{http_code} %{time_total}' "$BASE/")
if [[ ${dashboard_time% *} != 200 ]] || ! grep -q '工作台' "$WORK/http/dashboard.html"; then
  fail "dashboard: HTTP ${dashboard_time% *}"
fi
ok "demo-staff logged in; dashboard 200 in ${dashboard_time#* } s, $(stat -c %s "$WORK/http/dashboard.html") bytes"
audit_ip=$("$PY" - "$WORK/logs/web.out" <<'PY'
import json, sys

for line in open(sys.argv[1], encoding="utf-8"):
    entry = json.loads(line)
    audit = entry.get("audit") or {}
    if audit.get("event") == "login" and audit.get("user") == "demo-staff":
        print(audit["ip"])
PY
)
[[ $audit_ip == "$CLIENT_IP" ]] || fail "the audit log recorded the log-in from '$audit_ip', not $CLIENT_IP"
ok "audit log: JSON record of the log-in, with the client's address $CLIENT_IP"

read -r PROJECT MONTH < <("$PY" manage.py shell -c '
import datetime
from projects.models import Project, ProgressReport
project = Project.objects.filter(contact_person__username="demo-staff", stage__in=Project.ACTIVE_STAGES).order_by("pk").first()
month = datetime.date.today().replace(day=1)
while ProgressReport.objects.filter(project=project, month=month).exists():
    month = (month - datetime.timedelta(days=1)).replace(day=1)
print(project.pk, f"{month:%Y-%m}")' | tail -n 1)
"$PY" -c 'import os, sys; from PIL import Image; Image.frombytes("RGB", (160, 120), os.urandom(160 * 120 * 3)).save(sys.argv[1], quality=92)' "$WORK/photo.jpg"
photo_sha=$(sha256sum <"$WORK/photo.jpg" | cut -d' ' -f1)
upload=$(as_user -o /dev/null -w '%{http_code} %{redirect_url}' -e "$BASE/projects/$PROJECT/reports/new/" \
  -F "csrfmiddlewaretoken=$(csrf)" -F "month=$MONTH" -F physical_progress=42 \
  -F investment_completed=12.5 -F "narrative=部署往返测试" -F "photo_caption=现场照片" \
  -F "photo=@$WORK/photo.jpg;filename=现场照片.jpg;type=image/jpeg" \
  "$BASE/projects/$PROJECT/reports/new/")
[[ $upload =~ ^302\ $BASE/reports/[0-9]+/$ ]] || fail "upload of a report with a photo: $upload"
PHOTO=$("$PY" manage.py shell -c 'from projects.models import ReportPhoto; print(ReportPhoto.objects.latest("pk").image.name)' | tail -n 1)
[[ $(sha256sum <"$DJANGO_MEDIA_ROOT/$PHOTO" | cut -d' ' -f1) == "$photo_sha" ]] ||
  fail "the stored upload $PHOTO differs from the photo sent"
ok "report for $MONTH of project $PROJECT with photo $PHOTO uploaded through nginx ($(stat -c %s "$WORK/photo.jpg") bytes)"
PHOTO_URL=$BASE/media/$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$PHOTO")
fetch_photo() {  # fetch_photo LABEL: the photo as the logged-in user, checked byte for byte
  local headers=$WORK/http/photo-$1.headers
  as_user -D "$headers" -o "$WORK/http/photo-$1.jpg" "$PHOTO_URL"
  grep -qi '^HTTP/[0-9.]* 200' "$headers" || fail "$1: the photo answered $(head -n 1 "$headers")"
  grep -qi '^content-type: image/jpeg' "$headers" || fail "$1: the photo is not sent as image/jpeg"
  ! grep -qi '^x-accel-redirect' "$headers" || fail "$1: X-Accel-Redirect leaked to the client"
  [[ $(sha256sum <"$WORK/http/photo-$1.jpg" | cut -d' ' -f1) == "$photo_sha" ]] ||
    fail "$1: the photo sent differs from the one uploaded"
}
fetch_photo uploaded
sent_by_app=$("$PY" - "$WORK/logs/web.out" <<'PY'
import json, sys

for line in open(sys.argv[1], encoding="utf-8"):
    entry = json.loads(line)
    http = entry.get("http") or {}
    if entry["logger"] == "gunicorn.access" and http.get("path", "").startswith("/media/"):
        print(http["status"], http["bytes"])
PY
)
[[ $sent_by_app == "200 0" ]] || fail "the app itself sent the photo ($sent_by_app): X-Accel-Redirect not used"
ok "photo 200 image/jpeg, identical; gunicorn answered with 0 bytes and nginx sent the file (X-Accel-Redirect)"
anonymous=$(via_nginx -o /dev/null -w '%{http_code}' "$PHOTO_URL")
internal=$(as_user -o /dev/null -w '%{http_code}' "${PHOTO_URL/\/media\//\/protected-media\/}")
[[ $anonymous == 302 && $internal == 404 ]] ||
  fail "uploads reachable without the app's check (anonymous $anonymous, /protected-media/ $internal)"
ok "without log-in /media/ answers 302 to the log-in page; /protected-media/ answers 404 from outside"

# --- 8. Celery ----------------------------------------------------------------------------
step "workers (two nodes), a task, the single beat and its failover"
pong() {
  "$PY" manage.py shell -c 'from shanwang.celery import app; print(len(app.control.ping(timeout=2)))' | tail -n 1
}
two_pong() { [[ $(pong) == 2 ]]; }
wait_for 60 "two workers answering ping" two_pong
task=$("$CELERY" -A shanwang call projects.tasks.scan_deadlines | tail -n 1)
task_done() { grep -h "scan_deadlines\[$task\] succeeded" "$WORK/logs/worker-1.out" "$WORK/logs/worker-2.out"; }
wait_for 60 "task $task" task_done
ran_on=$(grep -l "scan_deadlines\[$task\] succeeded" "$WORK"/logs/worker-*.out | xargs -n1 basename | cut -d. -f1)
ok "shanwang-1 and shanwang-2 answer ping; scan_deadlines ran on $ran_on"

beat_children() {  # the celery beat processes our lock holders started
  local name count=0
  for name in beat-a beat-b; do
    [[ -n ${PIDS[$name]:-} ]] && count=$((count + $(pgrep -P "${PIDS[$name]}" -c || true)))
  done
  echo "$count"
}
wait_for 60 "beat to start" grep -q '"beat: Starting..."' "$WORK/logs/beat-a.out"
start beat-b "$WORK/logs/beat-b" "$PY" deploy/single_beat.py -- --loglevel=INFO
wait_for 60 "the standby to wait" grep -q 'Standing by: another beat holds the lock' "$WORK/logs/beat-b.out"
[[ $(beat_children) == 1 ]] || fail "$(beat_children) beat processes run, not 1"
"$PY" deploy/single_beat.py --no-wait >"$WORK/logs/beat-c.out" 2>&1 && fail "a third beat started"
grep -q 'Not starting: another beat holds the lock' "$WORK/logs/beat-c.out" || fail "--no-wait did not say why"
ok "one beat; a standby waits for the lock; --no-wait refuses (status 75)"
"${PG_ADMIN[@]}" -tAc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
  WHERE application_name LIKE 'shanwang-beat pid ${PIDS[beat-a]} %'" >/dev/null
beat_a_gone() { ! kill -0 "${PIDS[beat-a]}" 2>/dev/null; }
wait_for 30 "the first beat to stop after losing its database session" beat_a_gone
if wait "${PIDS[beat-a]}"; then fail "beat-a exited with status 0 after losing its lock"; fi
unset 'PIDS[beat-a]'
wait_for 60 "the standby to take over" grep -q '"beat: Starting..."' "$WORK/logs/beat-b.out"
[[ $(beat_children) == 1 ]] || fail "$(beat_children) beat processes after the failover, not 1"
ok "failover: the holder's database session killed, its beat stopped; the standby's beat started"

# --- 9. logs ---------------------------------------------------------------------------------
step "structured logs"
json_lines=$("$PY" - "$WORK"/logs/{web,worker-1,worker-2,beat-b}.out <<'PY'
import json, sys

total = 0
for path in sys.argv[1:]:
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip():
            continue
        total += 1
        try:
            entry = json.loads(line)
            assert {"time", "level", "logger", "message"} <= entry.keys()
        except (ValueError, AssertionError):
            sys.exit(f"{path}:{number} is not a JSON log record: {line[:200]}")
print(total)
PY
) || fail "$json_lines"
ok "$json_lines lines on the stdout of web, workers and beat: every one a JSON object"

# --- 10. backup, disaster, restore ------------------------------------------------------------
step "backup (deploy/backup.sh) with the stack running"
snapshot() {  # snapshot FILE: rows and content digest of every table, sequence positions
  "${PG_APP[@]}" -tA -F ' ' >"$1" <<'SQL'
SELECT 'table', c.relname,
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text,
       (xpath('/row/h/text()', query_to_xml(format(
           'SELECT md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) AS h FROM public.%I AS t',
           c.relname), false, true, '')))[1]::text
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
UNION ALL
SELECT 'sequence', sequencename, coalesce(last_value, 0)::text, '-'
FROM pg_sequences WHERE schemaname = 'public'
ORDER BY 1, 2;
SQL
}
media_sums() { (cd "$DJANGO_MEDIA_ROOT" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }
snapshot "$WORK/before.txt"
media_sums >"$WORK/media-before.txt"
run_logged backup "$APP/deploy/backup.sh" --env-file "$ENV_FILE"
snapshot "$WORK/before-after-backup.txt"
cmp -s "$WORK/before.txt" "$WORK/before-after-backup.txt" ||
  note "the live database changed while the backup ran: $(diff "$WORK/before.txt" "$WORK/before-after-backup.txt" | grep -c '^>') tables"
BACKUP=$(find "$WORK/backups" -mindepth 1 -maxdepth 1 -type d -name 'shanwang-*' ! -name '*.partial')
[[ $(wc -l <<<"$BACKUP") == 1 && -n $BACKUP ]] || fail "expected one backup directory, found: $BACKUP"
tables=$(grep -c '^table' "$WORK/before.txt")
rows=$(awk '$1 == "table" { sum += $3 } END { print sum }' "$WORK/before.txt")
ok "$(basename "$BACKUP"): database.dump $(du -h "$BACKUP/database.dump" | cut -f1), media.tar $(du -h "$BACKUP/media.tar" | cut -f1); $tables tables, $rows rows, $(wc -l <"$WORK/media-before.txt") uploaded files"

step "disaster: stop the services, drop the database, delete the uploads"
stop web worker-1 worker-2 beat-b
"${PG_ADMIN[@]}" -c "DROP DATABASE $DB WITH (FORCE)"
rm -rf "$DJANGO_MEDIA_ROOT"
if [[ -e $DJANGO_MEDIA_ROOT ]] || "${PG_APP[@]}" -c 'SELECT 1' >/dev/null 2>&1; then
  fail "the database or the uploads are still there"
fi
ok "database $DB dropped, $DJANGO_MEDIA_ROOT deleted"

step "restore (deploy/restore.sh) and compare"
run_logged restore "$APP/deploy/restore.sh" --env-file "$ENV_FILE" "$BACKUP"
snapshot "$WORK/after.txt"
media_sums >"$WORK/media-after.txt"
if ! cmp -s "$WORK/before.txt" "$WORK/after.txt"; then
  diff "$WORK/before.txt" "$WORK/after.txt" | head -n 20 >&2
  fail "the restored database differs from the one backed up"
fi
cmp -s "$WORK/media-before.txt" "$WORK/media-after.txt" ||
  { diff "$WORK/media-before.txt" "$WORK/media-after.txt" >&2; fail "the restored uploads differ"; }
ok "identical: $tables tables ($rows rows, row count and content digest of each), $(grep -c '^sequence' "$WORK/after.txt") sequence positions, $(wc -l <"$WORK/media-after.txt") uploaded files (SHA-256)"
"$APP/deploy/restore.sh" --env-file "$ENV_FILE" "$BACKUP" >"$WORK/logs/restore-again.log" 2>&1 &&
  fail "a second restore over the restored database did not refuse"
grep -q 'use --force' "$WORK/logs/restore-again.log" || fail "the refusal does not say what to do"
ok "restoring over a database that has tables refuses without --force"

step "the restored site"
start web "$WORK/logs/web-restored" "$APP/.venv/bin/gunicorn" --config deploy/gunicorn.conf.py
start worker-1 "$WORK/logs/worker-1-restored" "$CELERY" -A shanwang --quiet worker \
  --loglevel=INFO --hostname="shanwang-1@%h" --concurrency=1
start beat-a "$WORK/logs/beat-a-restored" "$PY" deploy/single_beat.py -- --loglevel=INFO
wait_for 60 "gunicorn's /healthz after the restore" healthy
wait_for 60 "beat after the restore" grep -q '"beat: Starting..."' "$WORK/logs/beat-a-restored.out"
fetch_photo restored
dashboard=$(as_user -o /dev/null -w '%{http_code}' "$BASE/")
[[ $dashboard == 200 ]] || fail "the restored session's dashboard: $dashboard"
ok "the session from before the backup still works: dashboard 200, the photo identical through nginx"
web_rss=$(ps -o rss= --ppid "${PIDS[web]}" -p "${PIDS[web]}" | awk '{ sum += $1 } END { printf "%.0f", sum / 1024 }')
ok "gunicorn master and $expected workers use $web_rss MB resident memory"
stop web worker-1 beat-a nginx
end_step
