import { BLOCKED_FAMILIES } from "../sql/blocked_families.ts";

/**
 * Functions refused by default (SECURITY_BLOCKED_FUNCTIONS replaces this list): sleeping,
 * server files, large objects, dblink, settings, server administration, replication, other
 * sessions, advisory locks, sequences, transaction ids, and functions that run SQL given as text.
 * Names are lower case and unqualified; the validator also catches `pg_catalog.` forms. The
 * families and the reason each refusal gives are in `src/sql/blocked_families.ts`. Functions
 * that run SQL text or read tables by name are refused even when this list is replaced
 * (`src/sql/opaque_functions.ts`).
 */
export const DEFAULT_BLOCKED_FUNCTIONS: readonly string[] = BLOCKED_FAMILIES.flatMap((f) =>
  f.names
);
