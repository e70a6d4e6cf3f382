/** Runs our own catalog and statistics SQL read-only (the database handle's `catalog`). */
export type { CatalogReader } from "../db/catalog_reader.ts";

/** Columns to leave out of profiles and value indexes (SECURITY_HIDDEN_COLUMNS). */
export type ColumnFilter = (schema: string, table: string, column: string) => boolean;

/** Always double-quotes an identifier (for SQL we build from catalog names). */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
