import type { TableInfo } from "./types.ts";
import { fold, stem } from "./words.ts";

/**
 * Which tables join to which: the declared foreign keys, and the joins a schema implies by its
 * names where it declares none (many real warehouses, and every BIRD database loaded from its
 * DDL, have no foreign keys at all). Undirected; within one schema for the inferred ones.
 *
 * Inferred joins, from column names compared without case, accents or separators:
 * - a column naming another table, with an optional key suffix (`id`, `key`, `code`, `no`, `num`,
 *   `number`, `ref`) and optional trailing digits: `results.raceid` → `races`,
 *   `superhero.eye_colour_id` → `colour`, `connected.atom_id2` → `atom`,
 *   `attendance.link_to_event` → `event`; the named table must have a key to join on (a
 *   primary key, an `id` column, or a `<table>id` column);
 * - a key-like column (name ending in a key suffix, not a bare `id`) with the same name in two
 *   tables, where one of them holds it as its primary key or first column:
 *   `frpm.cdscode` and `schools.cdscode`.
 */
export interface JoinGraph {
  /** For each table (by its index in the snapshot), its neighbours' indexes, ascending. */
  readonly neighbours: readonly (readonly number[])[];
  /** Edges found from names only, as `a-b` with a < b (for tests and diagnostics). */
  readonly inferred: ReadonlySet<string>;
}

const KEY_SUFFIX = /(id|key|code|no|num|number|ref)$/;

/** A name compared without case, accents or separators. */
function flat(name: string): string {
  return fold(name).replace(/[^\p{L}\p{N}]+/gu, "");
}

export function buildJoinGraph(tables: readonly TableInfo[]): JoinGraph {
  const sets = tables.map(() => new Set<number>());
  const inferred = new Set<string>();
  const link = (a: number, b: number, byName: boolean) => {
    if (a === b || sets[a].has(b)) return;
    sets[a].add(b);
    sets[b].add(a);
    if (byName) inferred.add(a < b ? `${a}-${b}` : `${b}-${a}`);
  };
  const byQualified = new Map(tables.map((t, i) => [`${t.schema}\u0000${t.name}`, i]));
  for (const [i, t] of tables.entries()) {
    for (const fk of t.foreignKeys) {
      const j = byQualified.get(`${fk.refSchema}\u0000${fk.refTable}`);
      if (j !== undefined) link(i, j, false);
    }
  }

  // Per schema: tables by flattened name (and its singular), and key columns by name.
  const bySchema = new Map<string, number[]>();
  tables.forEach((t, i) => bySchema.set(t.schema, [...bySchema.get(t.schema) ?? [], i]));
  for (const members of bySchema.values()) {
    const tableByName = new Map<string, number>();
    for (const i of members) {
      const name = flat(tables[i].name);
      if (name.length < 3 || !hasKey(tables[i], name)) continue;
      tableByName.set(name, i);
      tableByName.set(stem(name), i);
    }
    const owners = new Map<string, number[]>();
    for (const i of members) {
      const t = tables[i];
      const own = ownedKey(t, tableByName, i);
      if (own) owners.set(own, [...owners.get(own) ?? [], i]);
    }
    for (const i of members) {
      for (const c of tables[i].columns) {
        const name = flat(c.name).replace(/\d+$/, "");
        const base = name.replace(KEY_SUFFIX, "");
        // A column naming another table: try every suffix of its name (`eyecolour` → colour).
        for (const candidate of new Set([name, base])) {
          for (let k = 0; k + 3 <= candidate.length; k++) {
            const j = tableByName.get(candidate.slice(k));
            if (j !== undefined && j !== i) {
              link(i, j, true);
              break;
            }
          }
        }
        for (const j of owners.get(name) ?? []) link(i, j, true);
      }
    }
  }
  return { neighbours: sets.map((s) => [...s].sort((a, b) => a - b)), inferred };
}

/**
 * The key column a table owns, flattened: its single-column primary key, or with no primary key
 * its first column when that is key-like and does not name another table (`frpm.cdscode`, not
 * `laptimes.raceid`).
 */
function ownedKey(
  t: TableInfo,
  tableByName: ReadonlyMap<string, number>,
  self: number,
): string | undefined {
  const name = t.primaryKey.length === 1
    ? flat(t.primaryKey[0])
    : t.primaryKey.length === 0 && t.columns.length > 0
    ? flat(t.columns[0].name)
    : undefined;
  if (!name || name.length < 4 || !KEY_SUFFIX.test(name)) return undefined;
  if (t.primaryKey.length === 0) {
    const base = name.replace(KEY_SUFFIX, "");
    for (let k = 0; k + 3 <= base.length; k++) {
      const other = tableByName.get(base.slice(k));
      if (other !== undefined && other !== self) return undefined;
    }
  }
  return name;
}

/** A table another one can join to by name: a primary key, `id` or `<name>id`. */
function hasKey(t: TableInfo, name: string): boolean {
  if (t.primaryKey.length > 0) return true;
  const singular = stem(name);
  return t.columns.some((c) => {
    const column = flat(c.name);
    return column === "id" || column === `${name}id` || column === `${singular}id`;
  });
}
