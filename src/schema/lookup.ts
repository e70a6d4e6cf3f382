import { fail, ok, type Result } from "../errors.ts";
import { rankTables } from "./retrieval.ts";
import type {
  CheckInfo,
  ColumnInfo,
  IndexInfo,
  SchemaSnapshot,
  TableInfo,
  TableKind,
  UniqueInfo,
} from "./types.ts";

/**
 * Answers about the catalog from a snapshot. Names from clients are compared with the names in
 * the snapshot, never put into SQL, so `x"; DROP TABLE y; --` is simply a name that is not there.
 */

export interface SchemaSummary {
  name: string;
  comment?: string;
  owner?: string;
  tables: number;
}

export interface TableSummary {
  schema: string;
  name: string;
  kind: TableKind;
  estimated_rows?: number;
  comment?: string;
}

export interface ReferenceInfo {
  /** The referencing table. */
  schema: string;
  table: string;
  name: string;
  columns: string[];
  ref_columns: string[];
}

/** A column as tools describe it (snake_case, like every field of every result). */
export interface ColumnDescription {
  name: string;
  type: string;
  nullable: boolean;
  default?: string;
  identity?: ColumnInfo["identity"];
  generated?: string;
  comment?: string;
  enum_type?: string;
  enum_values?: string[];
  domain_type?: string;
}

export interface ForeignKeyDescription {
  name: string;
  columns: string[];
  ref_schema: string;
  ref_table: string;
  ref_columns: string[];
}

export interface TableDescription {
  schema: string;
  name: string;
  kind: TableKind;
  comment?: string;
  estimated_rows?: number;
  columns: ColumnDescription[];
  primary_key: string[];
  unique_constraints: UniqueInfo[];
  checks: CheckInfo[];
  indexes: IndexInfo[];
  foreign_keys: ForeignKeyDescription[];
  referenced_by: ReferenceInfo[];
}

export interface SearchHit {
  schema: string;
  table: string;
  score: number;
}

export const DEFAULT_SEARCH_LIMIT = 10;
export const MAX_SEARCH_LIMIT = 100;

export function listSchemas(snapshot: SchemaSnapshot): SchemaSummary[] {
  const counts = new Map<string, number>();
  for (const t of snapshot.tables) counts.set(t.schema, (counts.get(t.schema) ?? 0) + 1);
  const known = snapshot.schemas ??
    [...counts.keys()].sort().map((name) => ({ name, comment: undefined, owner: undefined }));
  return known.map((s) => ({
    name: s.name,
    ...(s.comment ? { comment: s.comment } : {}),
    ...(s.owner ? { owner: s.owner } : {}),
    tables: counts.get(s.name) ?? 0,
  }));
}

export function listTables(snapshot: SchemaSnapshot, schema?: string): Result<TableSummary[]> {
  if (schema !== undefined && !hasSchema(snapshot, schema)) {
    return fail("NOT_FOUND", `Cannot list tables: schema "${schema}" does not exist or is hidden`, {
      schema,
    });
  }
  return ok(
    snapshot.tables.filter((t) => schema === undefined || t.schema === schema).map((t) => ({
      schema: t.schema,
      name: t.name,
      kind: t.kind,
      ...(t.estimatedRows !== undefined ? { estimated_rows: t.estimatedRows } : {}),
      ...(t.comment ? { comment: t.comment } : {}),
    })),
  );
}

/**
 * Finds a table by exact name; without a schema, the name must be unique across schemas.
 * A name that differs only in case is offered as a suggestion, never taken silently.
 */
export function findTable(
  snapshot: SchemaSnapshot,
  table: string,
  schema?: string,
): Result<TableInfo> {
  const named = snapshot.tables.filter((t) => t.name === table);
  const matches = schema === undefined ? named : named.filter((t) => t.schema === schema);
  if (matches.length === 1) return ok(matches[0]);
  const label = schema === undefined ? `"${table}"` : `"${schema}"."${table}"`;
  if (matches.length > 1) {
    return fail(
      "INVALID_INPUT",
      `Cannot pick table ${label}: it exists in schemas ${
        matches.map((t) => `"${t.schema}"`).join(", ")
      }; name one`,
      { candidates: matches.map((t) => ({ schema: t.schema, table: t.name })) },
    );
  }
  const lower = table.toLowerCase();
  const similar = snapshot.tables
    .filter((t) => t.name.toLowerCase() === lower && (schema === undefined || t.schema === schema))
    .slice(0, 5)
    .map((t) => ({ schema: t.schema, table: t.name }));
  return fail("NOT_FOUND", `Cannot describe table ${label}: it does not exist or is hidden`, {
    ...(schema !== undefined ? { schema } : {}),
    table,
    ...(similar.length ? { did_you_mean: similar } : {}),
  });
}

export function describeTable(
  snapshot: SchemaSnapshot,
  table: string,
  schema?: string,
): Result<TableDescription> {
  const found = findTable(snapshot, table, schema);
  if (!found.ok) return found;
  const t = found.value;
  const enums = new Map((snapshot.enums ?? []).map((e) => [`${e.schema}.${e.name}`, e.values]));
  const referencedBy: ReferenceInfo[] = [];
  for (const other of snapshot.tables) {
    for (const fk of other.foreignKeys) {
      if (fk.refSchema === t.schema && fk.refTable === t.name) {
        referencedBy.push({
          schema: other.schema,
          table: other.name,
          name: fk.name,
          columns: fk.columns,
          ref_columns: fk.refColumns,
        });
      }
    }
  }
  return ok({
    schema: t.schema,
    name: t.name,
    kind: t.kind,
    ...(t.comment ? { comment: t.comment } : {}),
    ...(t.estimatedRows !== undefined ? { estimated_rows: t.estimatedRows } : {}),
    columns: t.columns.map((c) => describeColumn(c, enums)),
    primary_key: t.primaryKey,
    unique_constraints: t.uniqueConstraints ?? [],
    checks: t.checks ?? [],
    indexes: t.indexes ?? [],
    foreign_keys: t.foreignKeys.map((fk) => ({
      name: fk.name,
      columns: fk.columns,
      ref_schema: fk.refSchema,
      ref_table: fk.refTable,
      ref_columns: fk.refColumns,
    })),
    referenced_by: referencedBy,
  });
}

function describeColumn(c: ColumnInfo, enums: Map<string, string[]>): ColumnDescription {
  const values = c.enumType ? enums.get(c.enumType) : undefined;
  return {
    name: c.name,
    type: c.type,
    nullable: c.nullable,
    ...(c.default !== undefined ? { default: c.default } : {}),
    ...(c.identity ? { identity: c.identity } : {}),
    ...(c.generated !== undefined ? { generated: c.generated } : {}),
    ...(c.comment ? { comment: c.comment } : {}),
    ...(c.enumType ? { enum_type: c.enumType } : {}),
    ...(values ? { enum_values: values } : {}),
    ...(c.domainType ? { domain_type: c.domainType } : {}),
  };
}

/** The retrieval the prompt uses (`rankTables`), cut to `limit`. */
export function searchSchema(
  snapshot: SchemaSnapshot,
  query: string,
  limit = DEFAULT_SEARCH_LIMIT,
): SearchHit[] {
  const n = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(limit)));
  return rankTables(snapshot, query).slice(0, n);
}

export function hasSchema(snapshot: SchemaSnapshot, schema: string): boolean {
  return (snapshot.schemas ?? []).some((s) => s.name === schema) ||
    snapshot.tables.some((t) => t.schema === schema);
}
