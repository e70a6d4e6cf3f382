-- The ledger of used write confirmations (SECURITY_WRITE_LEDGER_TABLE=pgmcp.write_confirmations):
-- with several pg-mcp instances sharing SECURITY_WRITE_CONFIRM_SECRET, each commit records its
-- token here in its own transaction, so a token commits once whichever instance it reaches.
-- Run it as the owner, in every database write mode may change; replace mcp_writer.
CREATE SCHEMA IF NOT EXISTS pgmcp;
CREATE TABLE IF NOT EXISTS pgmcp.write_confirmations (
  nonce text PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  used_at timestamptz NOT NULL DEFAULT now()
);
GRANT USAGE ON SCHEMA pgmcp TO mcp_writer;
GRANT INSERT ON pgmcp.write_confirmations TO mcp_writer;
-- Old rows may go once expired: DELETE FROM pgmcp.write_confirmations WHERE expires_at < now();
