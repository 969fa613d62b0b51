#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the class-store tests: Debian's postgresql, run as the
# `postgres` user, listening only on a Unix socket in a fresh folder (no TCP port, no password:
# nothing outside this machine's user accounts can reach it). Prints the SQLAlchemy URL.
# Usage: url=$(bash scripts/start_test_postgres.sh); ...; bash scripts/stop_test_postgres.sh
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
root=${GRADLAB_PG_ROOT:-/tmp/gradlab-pg}
if [ -f "$root/data/postmaster.pid" ]; then
  su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$root/data' -m immediate stop" >/dev/null 2>&1 || true
fi
rm -rf "$root"
mkdir -p "$root/socket"
chown -R postgres "$root"
chmod 755 "$root" "$root/socket"
su postgres -s /bin/sh -c "'$bin/initdb' -D '$root/data' -A trust -U postgres --no-sync" >"$root/initdb.log" 2>&1
su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$root/data' -l '$root/server.log' -w -t 60 \
  -o \"-c listen_addresses='' -k '$root/socket' -c fsync=off\" start" >/dev/null
echo "postgresql+psycopg://postgres@/postgres?host=$root/socket"
