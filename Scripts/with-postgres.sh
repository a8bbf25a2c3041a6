#!/usr/bin/env bash
# Runs COMMAND with a throw-away PostgreSQL server on loopback, then stops it and deletes it.
#
#   Scripts/with-postgres.sh COMMAND [ARGS…]
#
# The server (Debian's `postgresql`, version 15 here) gets a fresh cluster made by initdb in a
# temporary folder, a free port on 127.0.0.1, trust authentication for the user `reidkd` and an
# empty database `reidkd`; COMMAND sees its URL in REIDKD_TEST_POSTGRES
# (postgresql://reidkd@127.0.0.1:PORT/reidkd). Durability is off (fsync, synchronous_commit):
# the data dies with the folder anyway. PostgreSQL refuses to run as root, so under root the
# server runs as the `postgres` system user the Debian package creates.
#
# When the server cannot start (no PostgreSQL installed, initdb or start failing), this prints
# "with-postgres: skipped: REASON" and runs COMMAND without REIDKD_TEST_POSTGRES: the tests that
# need the server then skip, each saying why. Exit status: COMMAND's.
set -u
say() { echo "with-postgres: $*" >&2; }



bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] || { reason="no PostgreSQL server installed (Debian package postgresql)"; say "skipped: $reason"; exec "$@"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/reidkd-pg.XXXXXX")
chmod 755 "$tmp"
as_owner=()
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then rm -rf "$tmp"; say "skipped: running as root and there is no postgres user to run the server"; exec "$@"; fi
  chown postgres "$tmp"
  as_owner=(runuser -u postgres --)
fi

stop() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$tmp"
}

if ! "${as_owner[@]}" "$bindir/initdb" -D "$tmp/data" -A trust -U reidkd -E UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1; then
  reason="initdb failed: $(tail -1 "$tmp/initdb.log")"; rm -rf "$tmp"; say "skipped: $reason"; exec "$@"
fi
started=""
for attempt in 1 2 3 4 5; do
  port=$(( 20000 + RANDOM % 30000 ))
  if "${as_owner[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 30 -o \
      "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null 2>&1; then started=1; break; fi
done
if [ -z "$started" ]; then
  reason="the server did not start: $(tail -1 "$tmp/server.log" 2>/dev/null)"; stop; say "skipped: $reason"; exec "$@"
fi
trap stop EXIT
trap 'exit 130' INT TERM
if ! "$bindir/psql" -q -X -h 127.0.0.1 -p "$port" -U reidkd -d postgres -c "CREATE DATABASE reidkd" >/dev/null 2>"$tmp/psql.log"; then
  say "skipped: cannot create the database: $(cat "$tmp/psql.log")"
  "$@"; exit $?
fi
export REIDKD_TEST_POSTGRES="postgresql://reidkd@127.0.0.1:$port/reidkd"
say "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($tmp)"
"$@"
