import type { Result } from "../errors.ts";
import { blockedFamily } from "./blocked_families.ts";
import { refuse } from "./refusal.ts";

/**
 * VOLATILE functions of pg_catalog that only read: they may be called although the catalog says
 * VOLATILE (which is PostgreSQL's "may have side effects or differ per call"). Kept small on
 * purpose: random values, the clock, and the size and state probes DBAs ask about.
 */
export const HARMLESS_VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  "random",
  "random_normal",
  "clock_timestamp",
  "timeofday",
  "gen_random_uuid",
  "current_query",
  "pg_database_size",
  "pg_relation_size",
  "pg_table_size",
  "pg_indexes_size",
  "pg_total_relation_size",
  "pg_tablespace_size",
  "pg_is_in_recovery",
  "pg_partition_tree",
  "pg_partition_ancestors",
  "pg_blocking_pids",
  "pg_current_wal_lsn",
  "pg_last_xact_replay_timestamp",
]);

/**
 * What the connected database says about its functions and operators, by exact name (as in
 * pg_proc.proname / pg_operator.oprname): the schemas holding a VOLATILE overload.
 */
export interface FunctionCatalog {
  /** Every function name the catalog knows (any volatility): unknown names trigger a reload. */
  knows(name: string): boolean;
  /** Schemas with a VOLATILE function `name`. */
  volatileFunction(name: string): readonly string[];
  /** Schemas with a VOLATILE function `name` of one composite or pseudo-type argument (`t.f`). */
  volatileFieldFunction(name: string): readonly string[];
  /** Schemas with an operator `name` implemented by a VOLATILE function. */
  volatileOperator(name: string): readonly string[];
}

/** The calls a statement makes, as the parser decoded them (exact case, schema-qualified). */
export interface StatementCalls {
  functions: readonly (readonly string[])[];
  operators: readonly (readonly string[])[];
  /** Last names of `a.b` / `(a).b` references: `t.f` calls f(t) when t has no column f. */
  fieldNames: readonly string[];
}

/**
 * Refuses a call to a blocked function; names are compared lower-cased, unqualified. The message
 * gives the family's reason (`pg_sleep` holds a connection idle, ...).
 */
export function checkBlocked(
  parts: readonly string[],
  blocked: ReadonlySet<string>,
): Result<never> | undefined {
  const lower = parts.map((p) => p.toLowerCase());
  const name = lower[lower.length - 1] ?? "";
  const qualified = lower.join(".");
  if (blocked.has(name) || blocked.has(qualified)) {
    const family = blockedFamily(name);
    const why = family?.why ?? "SECURITY_BLOCKED_FUNCTIONS lists it";
    return refuse("blocked_function", `Cannot call "${name}": ${why}`, {
      function: qualified,
      family: family?.family ?? "configured",
    });
  }
  return undefined;
}

function schemasFor(found: readonly string[], parts: readonly string[]): readonly string[] {
  if (parts.length < 2) return found;
  const schema = parts[parts.length - 2];
  return found.filter((s) => s === schema);
}

/**
 * Refuses a call the catalog marks VOLATILE, unless it is a harmless pg_catalog function.
 * A name the catalog does not know is left to the database's own error.
 */
export function checkVolatility(
  calls: StatementCalls,
  catalog: FunctionCatalog,
): Result<never> | undefined {
  for (const parts of calls.functions) {
    const name = parts[parts.length - 1] ?? "";
    const schemas = schemasFor(catalog.volatileFunction(name), parts);
    if (schemas.length === 0) continue;
    const harmless = HARMLESS_VOLATILE_FUNCTIONS.has(name) &&
      schemas.every((s) => s === "pg_catalog");
    if (!harmless) {
      return refuse(
        "volatile_function",
        `Cannot call "${name}": the database marks it VOLATILE, so it may change data or state`,
        { function: parts.join("."), schemas: [...schemas] },
      );
    }
  }
  for (const parts of calls.operators) {
    const name = parts[parts.length - 1] ?? "";
    const schemas = schemasFor(catalog.volatileOperator(name), parts);
    if (schemas.length > 0) {
      return refuse(
        "volatile_operator",
        `Cannot use operator "${name}": it runs a VOLATILE function`,
        { operator: parts.join("."), schemas: [...schemas] },
      );
    }
  }
  for (const name of calls.fieldNames) {
    const schemas = catalog.volatileFieldFunction(name);
    if (schemas.length > 0) {
      return refuse(
        "volatile_function",
        `Cannot read ".${name}": it may call the VOLATILE function "${name}"`,
        { function: name, schemas: [...schemas], notation: "field" },
      );
    }
  }
  return undefined;
}
