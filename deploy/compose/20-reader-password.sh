#!/bin/sh
# Gives mcp_reader (created by 10-readonly-role.sql, the README's recipe, with a placeholder
# password) the password in MCP_READER_PASSWORD. The postgres image runs the scripts of
# /docker-entrypoint-initdb.d once, when its data volume is empty.
set -eu
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" \
  --dbname "${POSTGRES_DB:-postgres}" --set=password="$MCP_READER_PASSWORD" <<'SQL'
ALTER ROLE mcp_reader PASSWORD :'password';
SQL
