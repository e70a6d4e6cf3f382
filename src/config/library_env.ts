/**
 * Variables the drivers read on their own when an option is left to its default (postgres.js:
 * PG* for TLS and session attributes, a URL without a user; openai: organization, project,
 * logging). Granting them costs nothing and keeps `--allow-env` scoped to a list.
 */
export const LIBRARY_ENV_VARS = [
  "PGUSERNAME",
  "PGAPPNAME",
  "PGTARGETSESSIONATTRS",
  "USER",
  "USERNAME",
  "LOGNAME",
  "PGMAX_PIPELINE",
  "PGSSL",
  "PGSSLNEGOTIATION",
  "PGTARGET_SESSION_ATTRS",
  "OPENAI_ORG_ID",
  "OPENAI_PROJECT_ID",
  "OPENAI_ADMIN_KEY",
  "OPENAI_WEBHOOK_SECRET",
  "OPENAI_LOG",
  "OPENAI_CUSTOM_HEADERS",
] as const;
