import { BUILTIN_TYPES, type TypeInfo, type ValueKind } from "./pg_types.ts";

interface PgTypeRow {
  oid: number;
  name: string;
  category: string;
  element: number;
  delimiter: string;
  base: number;
}

/** Runs our own catalog query on the session of the statement (inside its transaction). */
export type TypeQuery = (text: string, params: readonly unknown[]) => Promise<unknown[]>;

/** Type facts by OID for one database, read from pg_type on first sight and kept. */
export class TypeRegistry {
  readonly #known = new Map<number, TypeInfo>(BUILTIN_TYPES);

  info(oid: number): TypeInfo {
    return this.#known.get(oid) ?? { name: `oid:${oid}`, kind: "text" };
  }

  /** True when every OID is known (no catalog read needed before converting values). */
  knows(oids: readonly number[]): boolean {
    return oids.every((o) => this.#known.has(o));
  }

  /** Reads what is missing (arrays, domains, enums, extensions), elements and bases first. */
  async resolve(query: TypeQuery, oids: readonly number[], depth = 0): Promise<void> {
    const missing = [...new Set(oids)].filter((o) => !this.#known.has(o));
    if (missing.length === 0 || depth > 4) return;
    const rows = await query(
      "SELECT oid::int AS oid, format_type(oid, NULL) AS name, typcategory AS category," +
        " typelem::int AS element, typdelim AS delimiter, typbasetype::int AS base" +
        " FROM pg_type WHERE oid = ANY(string_to_array($1, ',')::oid[])",
      [missing.join(",")],
    ) as PgTypeRow[];
    const dependencies = rows.map((r) => r.category === "A" ? r.element : r.base)
      .filter((oid) => oid !== 0);
    await this.resolve(query, dependencies, depth + 1);
    for (const row of rows) this.#known.set(row.oid, this.#describe(row));
  }

  #describe(row: PgTypeRow): TypeInfo {
    if (row.category === "A" && row.element) {
      return { name: row.name, kind: "text", element: row.element, delimiter: row.delimiter };
    }
    if (row.base) {
      const base = this.info(row.base);
      return { ...base, name: row.name };
    }
    const kind: ValueKind = row.category === "B" ? "boolean" : "text";
    return { name: row.name, kind };
  }
}
