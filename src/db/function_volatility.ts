import { ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { FunctionCatalog } from "../sql/function_policy.ts";
import type { FunctionCatalogSource } from "../sql/validate.ts";
import type { CatalogReader } from "./catalog_reader.ts";

export interface CatalogRow {
  kind: "f" | "o" | "n";
  name: string;
  schema: string;
  field: boolean;
}

/**
 * One query over pg_proc and pg_operator: every VOLATILE function (and whether `t.f` notation
 * can call it: one argument of a composite or pseudo-type), every operator implemented by a
 * VOLATILE function, and the names of all other functions (so a name is known or unknown).
 */
export const CATALOG_SQL = `
SELECT CASE WHEN p.provolatile = 'v' THEN 'f' ELSE 'n' END AS kind, p.proname AS name,
       n.nspname AS schema,
       (p.provolatile = 'v' AND p.pronargs = 1
         AND EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = p.proargtypes[0]
                     AND t.typtype IN ('c', 'p'))) AS field
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
UNION ALL
SELECT 'o', o.oprname, n.nspname, false
  FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
  JOIN pg_proc p ON p.oid = o.oprcode
 WHERE p.provolatile = 'v'`;

export interface CatalogSourceOptions {
  /** How long a loaded catalog is trusted (ms). */
  ttlMs: number;
  /** The least time between two reloads prompted by an unknown function name (ms). */
  missReloadMs: number;
  now: () => number;
}

class LoadedCatalog implements FunctionCatalog {
  #known = new Set<string>();
  #volatile = new Map<string, string[]>();
  #field = new Map<string, string[]>();
  #operators = new Map<string, string[]>();

  constructor(rows: readonly CatalogRow[]) {
    const add = (map: Map<string, string[]>, row: CatalogRow) => {
      const list = map.get(row.name) ?? [];
      if (!list.includes(row.schema)) list.push(row.schema);
      map.set(row.name, list);
    };
    for (const row of rows) {
      if (row.kind === "o") {
        add(this.#operators, row);
        continue;
      }
      this.#known.add(row.name);
      if (row.kind === "f") add(this.#volatile, row);
      if (row.field) add(this.#field, row);
    }
  }
  knows(name: string): boolean {
    return this.#known.has(name);
  }
  volatileFunction(name: string): readonly string[] {
    return this.#volatile.get(name) ?? [];
  }
  volatileFieldFunction(name: string): readonly string[] {
    return this.#field.get(name) ?? [];
  }
  volatileOperator(name: string): readonly string[] {
    return this.#operators.get(name) ?? [];
  }
}

/** Builds a catalog from rows: for tests and for `createFunctionCatalogSource`. */
export function functionCatalogFrom(rows: readonly CatalogRow[]): FunctionCatalog {
  return new LoadedCatalog(rows);
}

/**
 * The connected database's function catalog, loaded once and cached: reloaded after `ttlMs`,
 * or sooner (at most every `missReloadMs`) when a statement calls a function it does not know,
 * so a function created after start-up is judged too. Concurrent callers share one load.
 */
export function createFunctionCatalogSource(
  db: CatalogReader,
  log: Logger,
  options: CatalogSourceOptions = { ttlMs: 3_600_000, missReloadMs: 10_000, now: Date.now },
): FunctionCatalogSource {
  let cached: { catalog: FunctionCatalog; at: number } | undefined;
  let loading: Promise<Result<FunctionCatalog>> | undefined;

  function reload(): Promise<Result<FunctionCatalog>> {
    loading ??= (async () => {
      const started = options.now();
      const rows = await db.catalog<CatalogRow>(CATALOG_SQL);
      if (!rows.ok) return rows;
      const catalog = new LoadedCatalog(rows.value);
      cached = { catalog, at: options.now() };
      log.debug("sql.catalog_loaded", { entries: rows.value.length, ms: options.now() - started });
      return ok<FunctionCatalog>(catalog);
    })().finally(() => loading = undefined);
    return loading;
  }

  return {
    load(names) {
      if (!cached) return reload();
      const age = options.now() - cached.at;
      if (age >= options.ttlMs) return reload();
      const current = cached.catalog;
      if (age >= options.missReloadMs && names.some((n) => !current.knows(n))) return reload();
      return Promise.resolve(ok(current));
    },
  };
}
