#!/bin/sh
# PostgreSQL for compose.yaml: make the cluster on first start (owner `rapport`, password from
# POSTGRES_PASSWORD, password sign-in over the network), then run the server in the foreground.
set -e
bin=/usr/lib/postgresql/15/bin
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    [ -n "$POSTGRES_PASSWORD" ] || { echo "POSTGRES_PASSWORD is not set" >&2; exit 1; }
    printf '%s\n' "$POSTGRES_PASSWORD" >/tmp/pwfile
    "$bin/initdb" -D "$PGDATA" -U rapport --pwfile=/tmp/pwfile -E UTF8 --no-locale \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 >/dev/null
    : >/tmp/pwfile
    echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "CREATE DATABASE rapport" | "$bin/postgres" --single -D "$PGDATA" postgres >/dev/null
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp
