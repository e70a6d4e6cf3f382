import { ok, type Result } from "../errors.ts";
import type { CatalogReader } from "../db/catalog_reader.ts";
import { FINGERPRINT_EXPR } from "./fingerprint.ts";
import { qualifiedName, quoteIdent } from "./render.ts";
import type {
  CheckInfo,
  ColumnInfo,
  DomainInfo,
  EnumInfo,
  ForeignKeyInfo,
  IndexInfo,
  SchemaInfo,
  SchemaSnapshot,
  TableInfo,
  UniqueInfo,
} from "./types.ts";

export interface IntrospectOptions {
  /** Schemas to read; empty means every user schema. */
  include: readonly string[];
  exclude: readonly string[];
}

/**
 * The whole catalog in one statement (one round trip), whatever the number of tables: each part
 * is one flat, set-based aggregate, never a query per table. Only what the connected role may
 * read: schemas it has USAGE on, relations it may SELECT from (or some of whose columns it may),
 * and of those only the readable columns. Partitions are folded into their parent.
 * Rows are JSON arrays (positional) to keep the document small; `introspectSchema` names them.
 * Planner estimates are kept low on purpose (no set-returning function with its default
 * 1,000-row guess per row): above jit_above_cost PostgreSQL would spend more time compiling the
 * statement than running it.
 */
export const INTROSPECT_SQL = `
WITH nsp AS (
  SELECT n.oid, n.nspname, pg_get_userbyid(n.nspowner) AS owner
  FROM pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname !~ '^pg_(toast_)?temp_'
    AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1::text[]))
    AND NOT (n.nspname = ANY($2::text[]))
    AND has_schema_privilege(n.oid, 'USAGE')
), rel AS (
  SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples,
    has_table_privilege(c.oid, 'SELECT') AS whole
  FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition
    AND (has_table_privilege(c.oid, 'SELECT') OR has_any_column_privilege(c.oid, 'SELECT'))
), col AS (
  SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
    CASE WHEN t.typlen = -1 AND t.typelem <> 0 THEN t.typelem ELSE a.atttypid END AS typid,
    a.attnotnull, a.attidentity, a.attgenerated,
    CASE WHEN a.atthasdef THEN pg_get_expr(d.adbin, d.adrelid, true) END AS expr
  FROM rel r
  JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE r.whole OR has_column_privilege(r.oid, a.attnum, 'SELECT')
), part AS (
  -- Leaf partitions' estimates summed per root, in one pass over the partitions only.
  SELECT pg_partition_root(p.oid) AS root, sum(p.reltuples) FILTER (WHERE p.reltuples >= 0) AS rows
  FROM pg_class p WHERE p.relispartition AND p.relkind IN ('r', 'f')
  GROUP BY 1
), con AS (
  SELECT k.oid, k.conrelid, k.conname, k.contype, k.conkey, k.confrelid, k.confkey
  FROM pg_constraint k
  WHERE k.conrelid IN (SELECT oid FROM rel) AND k.contype IN ('p', 'u', 'f', 'c')
    AND (k.contype <> 'f' OR k.conparentid = 0)
), con_cols AS (
  -- Key column names of every constraint (and of the referenced side) in one join.
  SELECT k.oid, u.referenced, array_agg(a.attname ORDER BY u.o) AS names
  FROM con k
  CROSS JOIN LATERAL (
    SELECT false AS referenced, k.conrelid AS rel, n, o FROM unnest(k.conkey) WITH ORDINALITY x(n, o)
    UNION ALL
    SELECT true, k.confrelid, n, o FROM unnest(k.confkey) WITH ORDINALITY x(n, o)
  ) u
  JOIN pg_attribute a ON a.attrelid = u.rel AND a.attnum = u.n
  GROUP BY k.oid, u.referenced
), typ AS (
  SELECT t.oid, tn.nspname, t.typname, t.typtype, t.typbasetype, t.typnotnull,
    t.typdefault, format_type(t.typbasetype, t.typtypmod) AS basetype
  FROM pg_type t JOIN pg_namespace tn ON tn.oid = t.typnamespace
  WHERE t.typtype IN ('e', 'd')
    AND (t.typnamespace IN (SELECT oid FROM nsp) OR t.oid IN (SELECT typid FROM col))
)
SELECT current_database() AS database, ${FINGERPRINT_EXPR} AS fingerprint,
  (SELECT json_agg(json_build_array(n.nspname, dsc.description, n.owner) ORDER BY n.nspname)
    FROM nsp n LEFT JOIN pg_description dsc ON dsc.objoid = n.oid
      AND dsc.classoid = 'pg_namespace'::regclass AND dsc.objsubid = 0) AS schemas,
  (SELECT json_agg(json_build_array(r.oid, r.nspname, r.relname, r.relkind,
      CASE WHEN r.relkind = 'p' THEN part.rows WHEN r.reltuples >= 0 THEN r.reltuples END,
      NULL) ORDER BY r.nspname, r.relname)
    FROM rel r LEFT JOIN part ON part.root = r.oid) AS relations,
  (SELECT json_agg(json_build_array(c.attrelid, c.attname, c.type, c.typid, c.attnotnull,
      c.attidentity, c.attgenerated, c.expr, c.attnum) ORDER BY c.attrelid, c.attnum)
    FROM col c) AS columns,
  -- Comments of user relations (attnum 0) and columns, joined to the visible ones in code: a
  -- stale estimate on pg_description (usual right after bulk DDL) cannot pick a nested loop.
  (SELECT json_agg(json_build_array(d.objoid, d.objsubid, d.description))
    FROM pg_description d
    WHERE d.classoid = 'pg_class'::regclass AND d.objoid >= 16384) AS comments,
  (SELECT json_agg(json_build_array(k.conrelid, k.conname, k.contype, kc.names,
      fn.nspname, fc.relname, rc.names,
      CASE WHEN k.contype = 'c' THEN pg_get_constraintdef(k.oid, true) END)
      ORDER BY k.conrelid, k.contype, k.conname)
    FROM con k
    JOIN con_cols kc ON kc.oid = k.oid AND kc.referenced = false
    LEFT JOIN con_cols rc ON rc.oid = k.oid AND rc.referenced = true
    LEFT JOIN pg_class fc ON fc.oid = k.confrelid
    LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace) AS constraints,
  (SELECT json_agg(json_build_array(x.indrelid, ic.relname, x.indisunique, x.indisprimary,
      am.amname,
      ARRAY(SELECT CASE WHEN u.n = 0 THEN pg_get_indexdef(x.indexrelid, u.o::int, true)
          ELSE a.attname END
        FROM unnest(x.indkey::int2[]) WITH ORDINALITY u(n, o)
        LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n
        WHERE u.o <= x.indnkeyatts ORDER BY u.o),
      CASE WHEN x.indpred IS NOT NULL THEN pg_get_expr(x.indpred, x.indrelid, true) END)
      ORDER BY x.indrelid, ic.relname)
    FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_am am ON am.oid = ic.relam
    WHERE x.indrelid IN (SELECT oid FROM rel)) AS indexes,
  (SELECT json_agg(json_build_array(t.oid, t.nspname, t.typname, t.typtype, t.basetype,
      t.typbasetype, t.typnotnull, t.typdefault,
      CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel FROM pg_enum e
        WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
      ELSE ARRAY(SELECT pg_get_constraintdef(k.oid, true) FROM pg_constraint k
        WHERE k.contypid = t.oid ORDER BY k.conname) END,
      dsc.description) ORDER BY t.nspname, t.typname)
    FROM typ t LEFT JOIN pg_description dsc ON dsc.objoid = t.oid
      AND dsc.classoid = 'pg_type'::regclass AND dsc.objsubid = 0) AS types`;

type Oid = number;
type SchemaRow = [string, string | null, string];
type RelationRow = [Oid, string, string, string, number | null, string | null];
type ColumnRow = [Oid, string, string, Oid, boolean, string, string, string | null, number];
type CommentRow = [Oid, number, string];
type ConstraintRow = [
  Oid,
  string,
  string,
  string[],
  string | null,
  string | null,
  string[] | null,
  string | null,
];
type IndexRow = [Oid, string, boolean, boolean, string, string[], string | null];
type TypeRow = [
  Oid,
  string,
  string,
  string,
  string | null,
  Oid,
  boolean,
  string | null,
  string[],
  string | null,
];

interface CatalogDocument {
  database: string;
  fingerprint: string;
  schemas: SchemaRow[] | null;
  relations: RelationRow[] | null;
  columns: ColumnRow[] | null;
  comments: CommentRow[] | null;
  constraints: ConstraintRow[] | null;
  indexes: IndexRow[] | null;
  types: TypeRow[] | null;
}

const KINDS: Record<string, TableInfo["kind"]> = {
  r: "table",
  v: "view",
  m: "materialized_view",
  p: "partitioned_table",
  f: "foreign_table",
};

/** Reads the catalog in one round trip, whatever the number of tables. */
export async function introspectSchema(
  db: CatalogReader,
  options: IntrospectOptions,
  now: () => number,
): Promise<Result<SchemaSnapshot>> {
  const rows = await db.catalog<CatalogDocument>(INTROSPECT_SQL, [
    [...options.include],
    [...options.exclude],
  ]);
  if (!rows.ok) return rows;
  const doc = rows.value[0];
  return ok(buildSnapshot(doc, now()));
}

/** Turns the positional catalog document into the snapshot. Exported for unit tests. */
export function buildSnapshot(doc: CatalogDocument, loadedAt: number): SchemaSnapshot {
  const typeByOid = new Map<Oid, TypeRow>();
  for (const t of doc.types ?? []) typeByOid.set(Number(t[0]), t);
  const qualified = (t: TypeRow) => `${t[1]}.${t[2]}`;
  /** The enum a type resolves to, through domains (bounded: domains cannot loop). */
  const enumOf = (oid: Oid): string | undefined => {
    for (let t = typeByOid.get(oid), depth = 0; t && depth < 10; depth++) {
      if (t[3] === "e") return qualified(t);
      t = typeByOid.get(Number(t[5]));
    }
    return undefined;
  };

  const comments = new Map<string, string>();
  for (const [oid, sub, text] of doc.comments ?? []) comments.set(`${oid}:${sub}`, text);
  const tables = new Map<Oid, TableInfo>();
  for (const [oid, schema, name, kind, rowsEstimate] of doc.relations ?? []) {
    const comment = comments.get(`${oid}:0`);
    tables.set(Number(oid), {
      schema,
      name,
      kind: KINDS[kind] ?? "table",
      ...(comment ? { comment } : {}),
      columns: [],
      primaryKey: [],
      foreignKeys: [],
      uniqueConstraints: [],
      checks: [],
      indexes: [],
      ...(rowsEstimate !== null ? { estimatedRows: Math.round(Number(rowsEstimate)) } : {}),
    });
  }
  for (
    const [relid, name, type, typid, notNull, identity, generated, expr, attnum] of doc
      .columns ?? []
  ) {
    const comment = comments.get(`${relid}:${attnum}`);
    const table = tables.get(Number(relid));
    if (!table) continue;
    const column: ColumnInfo = { name, type, nullable: !notNull };
    if (generated === "s" && expr) column.generated = expr;
    else if (expr) column.default = expr;
    if (identity === "a") column.identity = "always";
    if (identity === "d") column.identity = "by_default";
    if (comment) column.comment = comment;
    const own = typeByOid.get(Number(typid));
    const enumType = enumOf(Number(typid));
    if (enumType) column.enumType = enumType;
    if (own?.[3] === "d") column.domainType = qualified(own);
    table.columns.push(column);
  }
  for (
    const [relid, name, kind, columns, refSchema, refTable, refColumns, definition] of doc
      .constraints ?? []
  ) {
    const table = tables.get(Number(relid));
    if (!table) continue;
    if (kind === "p") table.primaryKey = columns;
    if (kind === "u") (table.uniqueConstraints as UniqueInfo[]).push({ name, columns });
    if (kind === "c" && definition) (table.checks as CheckInfo[]).push({ name, definition });
    if (kind === "f" && refSchema && refTable) {
      const fk: ForeignKeyInfo = {
        name,
        columns,
        refSchema,
        refTable,
        refColumns: refColumns ?? [],
      };
      table.foreignKeys.push(fk);
    }
  }
  for (const [relid, name, unique, primary, method, columns, predicate] of doc.indexes ?? []) {
    const table = tables.get(Number(relid));
    if (!table) continue;
    const names = new Set(table.columns.map((c) => c.name));
    const definition = `CREATE ${unique ? "UNIQUE " : ""}INDEX ${quoteIdent(name)} ON ${
      qualifiedName(table)
    } USING ${method} (${columns.map((c) => names.has(c) ? quoteIdent(c) : `(${c})`).join(", ")})${
      predicate ? ` WHERE ${predicate}` : ""
    }`;
    const index: IndexInfo = { name, columns, unique, primary, method, definition };
    if (predicate) index.predicate = predicate;
    (table.indexes as IndexInfo[]).push(index);
  }

  const enums: EnumInfo[] = [];
  const domains: DomainInfo[] = [];
  for (const t of doc.types ?? []) {
    const [, schema, name, kind, baseType, , notNull, dflt, values, comment] = t;
    const extra = comment ? { comment } : {};
    if (kind === "e") enums.push({ schema, name, values, ...extra });
    else {
      domains.push({
        schema,
        name,
        baseType: baseType ?? "",
        nullable: !notNull,
        ...(dflt ? { default: dflt } : {}),
        checks: values,
        ...extra,
      });
    }
  }
  const schemas: SchemaInfo[] = (doc.schemas ?? []).map(([name, comment, owner]) => ({
    name,
    ...(comment ? { comment } : {}),
    owner,
  }));
  return {
    database: doc.database,
    tables: [...tables.values()],
    loadedAt,
    schemas,
    enums,
    domains,
    fingerprint: doc.fingerprint,
  };
}
