#!/usr/bin/env bash
# Stops the cluster that scripts/start_test_postgres.sh started.
set -u
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
root=${GRADLAB_PG_ROOT:-/tmp/gradlab-pg}
[ -n "$bin" ] && [ -d "$root/data" ] && \
  su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$root/data' -m fast stop" >/dev/null 2>&1
exit 0
