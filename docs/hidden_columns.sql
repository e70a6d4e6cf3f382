-- Column privileges: the stronger guard for hidden data. Run after the read-only role recipe, as
-- a superuser or the tables' owner; replace mcp_reader, users (with the columns mcp_reader may
-- read) and vault. Tested by tests/safety/hidden_grants_test.ts.
REVOKE SELECT ON users FROM mcp_reader;
GRANT SELECT (id, name, email) ON users TO mcp_reader;
REVOKE ALL ON vault FROM mcp_reader;
