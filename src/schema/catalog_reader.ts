import type { Result } from "../errors.ts";

/**
 * Runs our own catalog and statistics SQL (never user text), read-only, parameters bound, under
 * the server's statement timeout: today's `ReadOnlyDb.catalog`, and the method of that shape on
 * the per-database handle.
 */
export interface CatalogReader {
  catalog<T>(sql: string, params?: readonly unknown[]): Promise<Result<T[]>>;
}

/** Columns to leave out of profiles and value indexes (SECURITY_HIDDEN_COLUMNS). */
export type ColumnFilter = (schema: string, table: string, column: string) => boolean;

/** Always double-quotes an identifier (for SQL we build from catalog names). */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
