#!/bin/sh
# juece backup with retention (run by systemd/juece-backup.service; installed as /usr/local/lib/juece/juece-backup.sh).
#   JUECE_BACKUP_DIR   where backups go (default /var/backups/juece); each is a new directory juece-YYYYMMDDTHHMMSS
#   JUECE_BACKUP_KEEP  how many of the newest complete backups to keep (default 14); older ones are removed only
#                      after a new backup succeeded, so a failing backup never costs an old one
#   JUECE_BIN          the juece command (default: juece on PATH)
set -eu
dir="${JUECE_BACKUP_DIR:-/var/backups/juece}"
keep="${JUECE_BACKUP_KEEP:-14}"
juece="${JUECE_BIN:-juece}"
case "$keep" in ''|*[!0-9]*|0) echo "JUECE_BACKUP_KEEP must be a positive number, got '$keep'" >&2; exit 2 ;; esac
[ -d "$dir" ] || { echo "备份目录不存在 / backup directory does not exist: $dir" >&2; exit 2; }

target="$dir/juece-$(date -u +%Y%m%dT%H%M%SZ)"
"$juece" backup "$target"

# a backup killed mid-way leaves its work directory (.juece-….tmp-…): remove those older than a day
find "$dir" -maxdepth 1 -name '.juece-*.tmp-*' -mtime +0 -exec rm -rf -- {} + 2>/dev/null || true

# retention: complete backups (with a manifest) by name = by time, newest last; remove all but the newest $keep
ls -1d "$dir"/juece-*/ 2>/dev/null | sed 's:/$::' | while read -r b; do
  [ -f "$b/manifest.json" ] && echo "$b"
done | sort | head -n "-$keep" | while read -r old; do
  echo "删除旧备份 / removing old backup $old"
  rm -rf -- "$old"
done
