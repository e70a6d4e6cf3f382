import type { Result } from "../errors.ts";

/** Runs pg-mcp's own catalog SQL read-only (parameters bound, never user text). */
export interface CatalogReader {
  catalog<T>(sql: string, params?: readonly unknown[]): Promise<Result<T[]>>;
}
