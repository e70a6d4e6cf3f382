/**
 * The target of the hidden-data tests: sentinel values in the columns users.ssn and
 * users.password_hash (one long enough to be stored in the TOAST table) and in the tables vault
 * and hr.payroll, beside ordinary data, analyzed (so pg_stats holds the sentinels too).
 */
export const HIDDEN_TARGET_SQL = `
CREATE SCHEMA hr;
CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text, ssn text UNIQUE,
  password_hash text);
INSERT INTO users SELECT g, 'user' || g, 'u' || g || '@example.test', 'SSN-SENTINEL-' || g,
  'PWD-SENTINEL-' || g FROM generate_series(1, 50) g;
CREATE INDEX users_ssn_lower ON users (lower(ssn));
ALTER TABLE users ALTER COLUMN password_hash SET STORAGE EXTERNAL;
UPDATE users SET password_hash = repeat('PWD-SENTINEL-LONG', 400) WHERE id = 50;
CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id), total numeric,
  note text);
INSERT INTO orders SELECT g, 1 + g % 50, g * 10, 'order ' || g FROM generate_series(1, 200) g;
CREATE TABLE vault (id int PRIMARY KEY, secret text);
INSERT INTO vault VALUES (1, 'VAULT-SENTINEL');
CREATE TABLE hr.payroll (id int PRIMARY KEY, user_id int REFERENCES users (id), amount text);
INSERT INTO hr.payroll VALUES (1, 1, 'PAYROLL-SENTINEL');
ANALYZE;
`;

/** The server's settings that hide them. */
export const HIDDEN_ENV = {
  SECURITY_HIDDEN_TABLES: "vault,hr.*",
  SECURITY_HIDDEN_COLUMNS: "users.ssn,public.users.password_hash",
};

/** Every sentinel matches. */
export const SENTINEL = /sentinel/i;
