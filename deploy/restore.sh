#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh: first the database, then the uploaded files.
#
# Usage: deploy/restore.sh [--env-file /etc/shanwang/shanwang.env] [--force] BACKUP
#   BACKUP   a directory $BACKUP_DIR/shanwang-<date>/ written by backup.sh
#   --force  empty a database that already has tables (DROP SCHEMA public CASCADE), and
#            move an upload folder that is not empty aside to <folder>.before-restore-<date>
#
# Stop the services first, on every machine (docs/deploy.md):
#   systemctl stop shanwang-web shanwang-beat 'shanwang-worker@*'
# The database of DATABASE_URL is created if missing (the role needs CREATEDB; otherwise
# create it first: sudo -u postgres createdb -O shanwang shanwang). The checksums are
# checked before anything changes; the database is restored in one transaction.
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=pg-env.sh
. "$here/pg-env.sh"

force=0
backup=
while (($#)); do
  case $1 in
    --env-file) load_env_file "$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) [[ -z $backup ]] || die "one backup at a time"; backup=$1; shift ;;
  esac
done
[[ -n $backup ]] || die "which backup? (see --help)"
backup=$(cd "$backup" && pwd) || die "no backup directory $backup"
for file in SHA256SUMS database.dump media.tar backup.txt; do
  [[ -f $backup/$file ]] || die "$backup/$file is missing: not a complete backup"
done
media_root=$(media_root)
export_pg_environment

started=$(date +%s)
log "checking the checksums of $backup"
(cd "$backup" && sha256sum --check --quiet --strict SHA256SUMS) || die "checksum mismatch in $backup"

# Everything is checked before anything is changed.
if psql --no-psqlrc --quiet --tuples-only --no-align --command 'SELECT 1' >/dev/null 2>"${TMPDIR:-/tmp}/restore.$$"; then
  database_exists=1
elif grep -q 'does not exist' "${TMPDIR:-/tmp}/restore.$$"; then
  database_exists=0
else
  cat "${TMPDIR:-/tmp}/restore.$$" >&2
  rm -f "${TMPDIR:-/tmp}/restore.$$"
  die "cannot connect to the database server"
fi
rm -f "${TMPDIR:-/tmp}/restore.$$"
tables=0
if ((database_exists)); then
  tables=$(psql --no-psqlrc -qtAc \
    "SELECT count(*) FROM pg_class JOIN pg_namespace ON pg_namespace.oid = relnamespace
     WHERE nspname = 'public' AND relkind IN ('r', 'p', 'v', 'm', 'S')")
  ((tables == 0 || force)) ||
    die "database $PGDATABASE already has $tables tables and sequences: use --force to replace them"
fi
media_files=0
if [[ -d $media_root ]]; then
  media_files=$(find "$media_root" -mindepth 1 | wc -l)
  ((media_files == 0 || force)) ||
    die "$media_root is not empty ($media_files entries): use --force to move it aside"
fi

log "restoring the database $PGDATABASE on ${PGHOST:-local socket} from $(sed -n 's/^created_utc=//p' "$backup/backup.txt")"
if ((!database_exists)); then
  createdb --no-password --template=template0 --encoding=UTF8 "$PGDATABASE" ||
    die "cannot create database $PGDATABASE: create it as postgres (createdb -O <role> $PGDATABASE) and run again"
elif ((tables > 0)); then
  log "--force: dropping the $tables tables and sequences of $PGDATABASE"
  psql --no-psqlrc -q -v ON_ERROR_STOP=1 \
    -c 'DROP SCHEMA public CASCADE' -c 'CREATE SCHEMA public'
fi
pg_restore --no-password --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$PGDATABASE" "$backup/database.dump"
# pg_restore brings no planner statistics; without them the first queries are slow.
psql --no-psqlrc -q -c 'ANALYZE'

log "restoring the uploads into $media_root"
parent=$(dirname "$media_root")
mkdir -p "$parent"
incoming=$(mktemp -d "$parent/.restore-media.XXXXXX")
tar --extract --no-same-owner --file="$backup/media.tar" --directory="$incoming"
if [[ -d $media_root ]]; then
  if ((media_files > 0)); then
    aside="$media_root.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
    mv "$media_root" "$aside"
    log "--force: the previous uploads are in $aside"
  else
    rmdir "$media_root"
  fi
fi
mv "$incoming" "$media_root"
chmod "$(printf '%o' $((0777 & ~$(umask))))" "$media_root"  # as mkdir would (mktemp made 700)

restored_tables=$(psql --no-psqlrc -qtAc \
  "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
restored_files=$(find "$media_root" -type f | wc -l)
log "done in $(($(date +%s) - started)) s: $restored_tables tables, $restored_files uploaded files."
log "next: if the code is newer than the backup's ($(sed -n 's/^app_revision=//p' "$backup/backup.txt")), run manage.py migrate; then start the services."
