/**
 * Catalogs that hold secrets: password hashes (pg_authid, pg_shadow), credentials for other
 * servers (user mappings, subscription connection strings), authentication and configuration
 * files (pg_hba_file_rules, pg_ident_file_mappings, pg_file_settings), large-object contents and
 * column statistics (pg_largeobject, pg_statistic, pg_statistic_ext_data: sample values of
 * every column, whatever the reader's table privileges). A superuser can read them all, so the
 * validator refuses them whatever the role. pg_roles, pg_user and pg_stats stay readable: they
 * mask passwords and filter statistics by privilege.
 */
export const SECRET_CATALOGS: ReadonlyMap<string, readonly string[]> = new Map([
  ["pg_authid", ["pg_catalog"]],
  ["pg_shadow", ["pg_catalog"]],
  ["pg_user_mapping", ["pg_catalog"]],
  ["pg_user_mappings", ["pg_catalog"]],
  ["pg_subscription", ["pg_catalog"]],
  ["pg_statistic", ["pg_catalog"]],
  ["pg_statistic_ext_data", ["pg_catalog"]],
  ["pg_largeobject", ["pg_catalog"]],
  ["pg_hba_file_rules", ["pg_catalog"]],
  ["pg_ident_file_mappings", ["pg_catalog"]],
  ["pg_file_settings", ["pg_catalog"]],
  ["user_mapping_options", ["information_schema"]],
  ["user_mappings", ["information_schema"]],
]);

/**
 * The secret catalog a relation reference names, if any. An unqualified `pg_*` name always
 * resolves to pg_catalog (searched first); an unqualified information_schema name is refused too,
 * in case information_schema is on the search path. Case is folded: refusing a user table
 * called "PG_AUTHID" costs nothing.
 */
export function secretCatalog(schema: string | undefined, relation: string): string | undefined {
  const rel = relation.toLowerCase();
  const schemas = SECRET_CATALOGS.get(rel);
  if (!schemas) return undefined;
  if (schema === undefined || schema === "") return `${schemas[0]}.${rel}`;
  const s = schema.toLowerCase();
  return schemas.includes(s) ? `${s}.${rel}` : undefined;
}
