import { ok, type Result } from "../errors.ts";

import type { CatalogReader } from "../db/catalog_reader.ts";

/**
 * The schemas an unqualified relation name resolves to in pg-mcp's sessions, in order, the
 * implicit ones (pg_catalog, pg_temp) included: what the hidden-table matcher needs to decide
 * whether `salaries` may be `hr.salaries`.
 */
export async function readSearchPath(db: CatalogReader): Promise<Result<string[]>> {
  const rows = await db.catalog<{ schema: string }>(
    "SELECT s::text AS schema FROM unnest(current_schemas(true)) WITH ORDINALITY AS u(s, n) " +
      "ORDER BY n",
  );
  if (!rows.ok) return rows;
  return ok(rows.value.map((r) => r.schema));
}
