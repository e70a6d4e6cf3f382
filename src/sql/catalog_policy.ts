const CREDENTIALS = "it holds credentials for other servers";

/**
 * Catalogs that hold secrets: password hashes (pg_authid, pg_shadow), credentials for other
 * servers (user mappings, subscription connection strings), authentication and configuration
 * files (pg_hba_file_rules, pg_ident_file_mappings, pg_file_settings), large-object contents and
 * column statistics (pg_largeobject, pg_statistic, pg_statistic_ext_data: sample values of
 * every column, whatever the reader's table privileges). A superuser can read them all, so the
 * validator refuses them whatever the role. pg_roles, pg_user and pg_stats stay readable: they
 * mask passwords and filter statistics by privilege (pg_stats is refused once something is
 * hidden: see hidden_rules.ts).
 */
export const SECRET_CATALOGS: ReadonlyMap<string, SecretCatalog> = new Map([
  ...secrets("pg_catalog", "it holds the roles' password hashes", ["pg_authid", "pg_shadow"]),
  ...secrets("pg_catalog", CREDENTIALS, ["pg_user_mapping", "pg_user_mappings"]),
  ...secrets("pg_catalog", "it holds connection strings with passwords", ["pg_subscription"]),
  ...secrets(
    "pg_catalog",
    "it holds sample values of every column, whatever the table privileges",
    ["pg_statistic", "pg_statistic_ext_data"],
  ),
  ...secrets(
    "pg_catalog",
    "it holds every large object's contents, whatever their privileges",
    ["pg_largeobject"],
  ),
  ...secrets("pg_catalog", "it shows the server's authentication file", ["pg_hba_file_rules"]),
  ...secrets("pg_catalog", "it shows the server's user-name map file", ["pg_ident_file_mappings"]),
  ...secrets(
    "pg_catalog",
    "it shows the server's configuration files, secrets included",
    ["pg_file_settings"],
  ),
  ...secrets("information_schema", CREDENTIALS, ["user_mapping_options", "user_mappings"]),
]);

export interface SecretCatalog {
  schemas: readonly string[];
  /** Completes "Cannot read "<relation>": ". */
  why: string;
}

function secrets(schema: string, why: string, names: readonly string[]): [string, SecretCatalog][] {
  return names.map((n) => [n, { schemas: [schema], why }]);
}

/**
 * The secret catalog a relation reference names, if any. An unqualified `pg_*` name always
 * resolves to pg_catalog (searched first); an unqualified information_schema name is refused too,
 * in case information_schema is on the search path. Case is folded: refusing a user table
 * called "PG_AUTHID" costs nothing.
 */
export function secretCatalog(
  schema: string | undefined,
  relation: string,
): { relation: string; why: string } | undefined {
  const rel = relation.toLowerCase();
  const secret = SECRET_CATALOGS.get(rel);
  if (!secret) return undefined;
  if (schema === undefined || schema === "") {
    return { relation: `${secret.schemas[0]}.${rel}`, why: secret.why };
  }
  const s = schema.toLowerCase();
  return secret.schemas.includes(s) ? { relation: `${s}.${rel}`, why: secret.why } : undefined;
}
