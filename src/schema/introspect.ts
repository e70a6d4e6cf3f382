import { ok, type Result } from "../errors.ts";
import type { ReadOnlyDb } from "../db/read_only.ts";
import type { SchemaSnapshot, TableInfo } from "./types.ts";

export interface IntrospectOptions {
  include: readonly string[];
  exclude: readonly string[];
}

const TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
  obj_description(c.oid, 'pg_class') AS comment,
  CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS estimated_rows,
  COALESCE((SELECT json_agg(json_build_object(
      'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
      'nullable', NOT a.attnotnull, 'default', pg_get_expr(d.adbin, d.adrelid),
      'comment', col_description(c.oid, a.attnum)) ORDER BY a.attnum)
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
  COALESCE((SELECT json_agg(a.attname ORDER BY k.ord)
    FROM pg_constraint p CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
    WHERE p.conrelid = c.oid AND p.contype = 'p'), '[]') AS primary_key,
  COALESCE((SELECT json_agg(json_build_object('name', f.conname,
      'columns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(f.conkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.attnum),
      'refSchema', rn.nspname, 'refTable', rc.relname,
      'refColumns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(f.confkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.attnum)))
    FROM pg_constraint f JOIN pg_class rc ON rc.oid = f.confrelid
    JOIN pg_namespace rn ON rn.oid = rc.relnamespace
    WHERE f.conrelid = c.oid AND f.contype = 'f'), '[]') AS foreign_keys
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1::text[]))
  AND NOT (n.nspname = ANY($2::text[]))
  AND has_schema_privilege(n.oid, 'USAGE')
  AND (has_table_privilege(c.oid, 'SELECT') OR has_any_column_privilege(c.oid, 'SELECT'))
ORDER BY 1, 2`;

const KINDS: Record<string, TableInfo["kind"]> = {
  r: "table",
  v: "view",
  m: "materialized_view",
  p: "partitioned_table",
  f: "foreign_table",
};

interface TableRow {
  schema: string;
  name: string;
  kind: string;
  comment: string | null;
  estimated_rows: string | null;
  columns: {
    name: string;
    type: string;
    nullable: boolean;
    default: string | null;
    comment: string | null;
  }[];
  primary_key: string[];
  foreign_keys: TableInfo["foreignKeys"];
}

/** Reads the catalog in one round trip, whatever the number of tables. */
export async function introspectSchema(
  db: ReadOnlyDb,
  options: IntrospectOptions,
  now: () => number,
): Promise<Result<SchemaSnapshot>> {
  const [rows, dbName] = await Promise.all([
    db.catalog<TableRow>(TABLES_SQL, [options.include, options.exclude]),
    db.catalog<{ name: string }>("SELECT current_database() AS name"),
  ]);
  if (!rows.ok) return rows;
  if (!dbName.ok) return dbName;
  const tables = rows.value.map((r): TableInfo => ({
    schema: r.schema,
    name: r.name,
    kind: KINDS[r.kind] ?? "table",
    ...(r.comment ? { comment: r.comment } : {}),
    columns: r.columns.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: c.nullable,
      ...(c.default ? { default: c.default } : {}),
      ...(c.comment ? { comment: c.comment } : {}),
    })),
    primaryKey: r.primary_key,
    foreignKeys: r.foreign_keys,
    ...(r.estimated_rows !== null ? { estimatedRows: Number(r.estimated_rows) } : {}),
  }));
  return ok({ database: dbName.value[0]?.name ?? "", tables, loadedAt: now() });
}
