#!/bin/sh
# Creates, or brings up to date, the login roles and databases of the stack on one PostgreSQL:
#
#   role              database(s) it owns                 used by
#   temporal          temporal, temporal_visibility       Temporal's schema job and server
#   pathways_owner    pathways (the schema)               `pathways migrate` only
#   pathways_service  nothing                             the worker, the API and the CLI
#
# and the NOLOGIN role pathways_app, whose grants the migrations set and which
# `pathways migrate --grant-to pathways_service` hands to the service role. Made here so that the
# schema owner needs no CREATEROLE: it gets ADMIN on pathways_app alone, to grant it on.
#
# Every run sets each role's password from its secret file again, so a new password file takes
# effect at the next `docker compose up`. Run by compose's db-init job (the postgres image, as
# root, since the secret files belong to the users of the containers that read them), against
# the server the PG* variables name, as its superuser:
#
#   PGHOST, PGPORT, PGUSER               the server and its superuser
#   POSTGRES_PASSWORD_FILE               the superuser's password
#   TEMPORAL_DB_PASSWORD_FILE, PATHWAYS_OWNER_DB_PASSWORD_FILE, PATHWAYS_SERVICE_DB_PASSWORD_FILE
set -eu

: "${PGHOST:?}" "${PGUSER:?}"
for file in "${POSTGRES_PASSWORD_FILE:?}" "${TEMPORAL_DB_PASSWORD_FILE:?}" \
    "${PATHWAYS_OWNER_DB_PASSWORD_FILE:?}" "${PATHWAYS_SERVICE_DB_PASSWORD_FILE:?}"; do
    [ -s "$file" ] || { echo "init-databases.sh: $file is missing or empty" >&2; exit 1; }
done
PGPASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
export PGPASSWORD

# The passwords are read by psql itself (backquotes, below), so they never appear on a command
# line; only the names of their files are passed as variables.
psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --dbname postgres \
    -v temporal_file="$TEMPORAL_DB_PASSWORD_FILE" \
    -v owner_file="$PATHWAYS_OWNER_DB_PASSWORD_FILE" \
    -v service_file="$PATHWAYS_SERVICE_DB_PASSWORD_FILE" <<'SQL'
\set temporal_password `cat :'temporal_file'`
\set owner_password `cat :'owner_file'`
\set service_password `cat :'service_file'`
SET client_min_messages = warning;

SELECT format('CREATE ROLE %I', name)
  FROM unnest(ARRAY['temporal', 'pathways_owner', 'pathways_service', 'pathways_app']) AS name
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name)
\gexec

-- CREATEDB only because temporal-sql-tool's `create` step asks for it even when the
-- database exists (it then does nothing).
ALTER ROLE temporal LOGIN CREATEDB NOCREATEROLE NOSUPERUSER PASSWORD :'temporal_password';
ALTER ROLE pathways_owner LOGIN NOCREATEDB NOCREATEROLE NOSUPERUSER PASSWORD :'owner_password';
ALTER ROLE pathways_service LOGIN NOCREATEDB NOCREATEROLE NOSUPERUSER PASSWORD :'service_password';
ALTER ROLE pathways_app NOLOGIN;
GRANT pathways_app TO pathways_owner WITH ADMIN TRUE, INHERIT FALSE, SET FALSE;

SELECT format('CREATE DATABASE %I OWNER %I', datname, owner)
  FROM (VALUES ('temporal', 'temporal'), ('temporal_visibility', 'temporal'),
               ('pathways', 'pathways_owner')) AS wanted (datname, owner)
 WHERE NOT EXISTS (SELECT 1 FROM pg_database AS d WHERE d.datname = wanted.datname)
\gexec

ALTER DATABASE temporal OWNER TO temporal;
ALTER DATABASE temporal_visibility OWNER TO temporal;
ALTER DATABASE pathways OWNER TO pathways_owner;
-- Each database is reachable by the roles that use it and no other.
REVOKE ALL ON DATABASE temporal, temporal_visibility, pathways FROM PUBLIC;
GRANT CONNECT ON DATABASE pathways TO pathways_service;
SQL
echo "init-databases.sh: roles and databases are in place"
