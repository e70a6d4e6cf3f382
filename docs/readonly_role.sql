-- A read-only role for pg-mcp. Run as a superuser (or the owner of the tables) in the database
-- pg-mcp will read; replace mcp_reader, change-me and mydb. Repeat the two GRANT ... SCHEMA lines
-- for every schema pg-mcp should see. Tested by src/db/role_check_test.ts.
CREATE ROLE mcp_reader LOGIN PASSWORD 'change-me'
  NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE mcp_reader SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE mydb TO mcp_reader;
GRANT USAGE ON SCHEMA public TO mcp_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO mcp_reader;
-- Tables created later by the role running this script become readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO mcp_reader;
