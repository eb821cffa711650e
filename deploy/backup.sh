#!/usr/bin/env bash
# Back up the Shanwang app: the PostgreSQL database (pg_dump, custom format) and the
# uploaded files (DJANGO_MEDIA_ROOT, as a tar archive), into one new directory
#     $BACKUP_DIR/shanwang-<UTC date and time>/
#         database.dump   media.tar   SHA256SUMS   backup.txt
# then remove the backups older than BACKUP_KEEP_DAYS (default 14). A backup that fails
# half-way leaves only a *.partial directory, never one that looks complete.
#
# Usage: deploy/backup.sh [--env-file /etc/shanwang/shanwang.env]
# It reads DATABASE_URL, DJANGO_MEDIA_ROOT (or SHANWANG_VAR_DIR/media), BACKUP_DIR and
# BACKUP_KEEP_DAYS from the environment or the env file; shanwang-backup.timer runs it nightly.
# The services may keep running: pg_dump reads one consistent snapshot, and the uploads are
# archived after it, so every photo the dump refers to is in the archive.
# Restore with deploy/restore.sh. Copy $BACKUP_DIR to another machine as well (docs/deploy.md).
set -Eeuo pipefail
umask 077

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=pg-env.sh
. "$here/pg-env.sh"

while (($#)); do
  case $1 in
    --env-file) load_env_file "$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

: "${BACKUP_DIR:?BACKUP_DIR is not set (e.g. /var/backups/shanwang)}"
keep_days=${BACKUP_KEEP_DAYS:-14}
media_root=$(media_root)
export_pg_environment  # PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE from DATABASE_URL

stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$BACKUP_DIR/shanwang-$stamp"
partial="$target.partial"
mkdir -p "$BACKUP_DIR"
rm -rf "$partial"
mkdir "$partial"
trap 'rm -rf "$partial"' ERR

started=$(date +%s)
log "backup of database $PGDATABASE on ${PGHOST:-local socket} and $media_root to $target"
pg_dump --format=custom --compress=6 --no-password --file="$partial/database.dump"

if [[ -d $media_root ]]; then
  tar --create --file="$partial/media.tar" --directory="$media_root" .
else
  log "no upload directory at $media_root: the archive is empty"
  tar --create --file="$partial/media.tar" --files-from=/dev/null
fi

media_files=$(tar --list --file="$partial/media.tar" | grep -vc '/$' || true)
{
  echo "created_utc=$stamp"
  echo "database=$PGDATABASE"
  echo "database_server=${PGHOST:-local socket}:${PGPORT:-5432}"
  echo "pg_dump=$(pg_dump --version)"
  echo "media_root=$media_root"
  echo "media_files=$media_files"
  # The code belongs to root, the backup runs as shanwang: tell git that is fine.
  echo "app_revision=$(git -c safe.directory="$(dirname "$here")" -C "$(dirname "$here")" \
    rev-parse HEAD 2>/dev/null || echo unknown)"
} >"$partial/backup.txt"
(cd "$partial" && sha256sum database.dump media.tar backup.txt >SHA256SUMS)
mv "$partial" "$target"
trap - ERR

# Retention: only backups made by this script, and never the one just written.
find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name 'shanwang-*' ! -name "shanwang-$stamp" \
  -mtime "+$keep_days" -print -exec rm -rf {} + | sed 's/^/removed old backup: /'

log "done in $(($(date +%s) - started)) s: $(du -sh "$target" | cut -f1) in $target" \
  "(database $(du -h "$target/database.dump" | cut -f1), $media_files uploaded files)"
