#!/bin/sh
# The postgres image runs this once, when its data volume is first initialised, as the
# owner (POSTGRES_USER, who also runs the migrations): it creates the role the
# application connects as (APP_DB_USER, APP_DB_PASSWORD), a login that is no superuser
# and owns nothing, and gives it what ../app-grants.sql lists.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_role="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_role" LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_role="$APP_DB_USER" -f /countersign/app-grants.sql
