/** Whether the user pointed pg-mcp at a database at all (pure: the caller passes env). */

/**
 * The variables that name a database server, a database or a login. Pool sizes and timeouts
 * (DATABASE_MIN_POOL_SIZE, ...) and the drivers' TLS or session variables (PGSSL, PGAPPNAME)
 * tune a connection but point nowhere, so they alone do not turn the demo off.
 */
export const DATABASE_TARGET_VARS = [
  "DATABASE_URL",
  "DATABASE_HOST",
  "DATABASE_PORT",
  "DATABASE_NAME",
  "DATABASE_USER",
  "DATABASE_PASSWORD",
  "PGHOST",
  "PGPORT",
  "PGDATABASE",
  "PGUSER",
  "PGPASSWORD",
] as const;

/** False when none of DATABASE_TARGET_VARS has a value (blank counts as unset, as in loadConfig). */
export function isDatabaseConfigured(env: Readonly<Record<string, string | undefined>>): boolean {
  return DATABASE_TARGET_VARS.some((name) => (env[name]?.trim() ?? "") !== "");
}
