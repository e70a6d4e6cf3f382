/**
 * An unknown table or column (42P01, 42703): the catalog may have changed since the snapshot,
 * so the schema cache checks its fingerprint now (throttled) rather than at the next interval.
 */
export function namesMissing(error: { code: string; details: Record<string, unknown> }): boolean {
  return error.code === "DB_FAILED" &&
    (error.details.sqlstate === "42P01" || error.details.sqlstate === "42703");
}
