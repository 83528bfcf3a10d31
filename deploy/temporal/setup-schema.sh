#!/bin/sh
# Creates Temporal's two databases if they are missing and brings their schemas to the version
# this admin-tools image ships, the way Temporal's own setup does it (temporal-sql-tool: create,
# setup-schema -v 0.0, update-schema). Every step does nothing when already done, so the job runs
# at every `docker compose up`, and a newer admin-tools image upgrades the schema before the
# newer server starts. Run from the temporalio/admin-tools image.
#
#   SQL_HOST, SQL_PORT, SQL_USER       the PostgreSQL server and the role that owns the databases
#   TEMPORAL_DB_PASSWORD_FILE          that role's password
set -eu

: "${SQL_HOST:?}" "${SQL_USER:?}" "${TEMPORAL_DB_PASSWORD_FILE:?}"
port=${SQL_PORT:-5432}
SQL_PASSWORD=$(cat "$TEMPORAL_DB_PASSWORD_FILE")
export SQL_PASSWORD
schema=/etc/temporal/schema/postgresql/v12

for pair in temporal:temporal temporal_visibility:visibility; do
    db=${pair%%:*}
    dir=$schema/${pair#*:}/versioned
    sql() { temporal-sql-tool --plugin postgres12 --ep "$SQL_HOST" -p "$port" -u "$SQL_USER" --db "$db" "$@"; }
    sql create
    sql setup-schema -v 0.0
    sql update-schema -d "$dir"
done
echo "setup-schema.sh: temporal and temporal_visibility are at the newest schema"
