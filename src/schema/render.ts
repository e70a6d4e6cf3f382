import type { ColumnInfo, EnumInfo, SchemaSnapshot, TableInfo } from "./types.ts";

/** Quotes an identifier only when PostgreSQL needs it. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

export function qualifiedName(t: { schema: string; name: string }): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

/** Enum values by `schema.name`, for rendering. */
export type EnumValues = ReadonlyMap<string, readonly string[]>;

export function enumValuesOf(snapshot: SchemaSnapshot): EnumValues {
  return new Map((snapshot.enums ?? []).map((e: EnumInfo) => [`${e.schema}.${e.name}`, e.values]));
}

const SHORT_TYPES: [RegExp, string][] = [
  [/^character varying/, "varchar"],
  [/^timestamp\((\d)\) with time zone/, "timestamptz($1)"],
  [/^timestamp with time zone/, "timestamptz"],
  [/^timestamp without time zone/, "timestamp"],
  [/^time with time zone/, "timetz"],
  [/^time without time zone/, "time"],
  [/^double precision/, "float8"],
  [/^character\(/, "char("],
];

/** PostgreSQL's long type names in their usual short spelling (same types, fewer tokens). */
export function shortType(type: string): string {
  for (const [pattern, short] of SHORT_TYPES) {
    if (pattern.test(type)) return type.replace(pattern, short);
  }
  return type;
}

const KIND_WORD: Record<TableInfo["kind"], string> = {
  table: "TABLE",
  view: "VIEW",
  materialized_view: "MATERIALIZED VIEW",
  partitioned_table: "TABLE",
  foreign_table: "FOREIGN TABLE",
};

const MAX_ENUM_VALUES = 30;

/**
 * Extra text for a column's comment in the prompt, e.g. a profile hint
 * (`values: 'Rock', 'Jazz', …`, see `profileHints` in profile.ts); undefined for none.
 */
export type ColumnHint = (table: TableInfo, column: ColumnInfo) => string | undefined;

/**
 * One table as compact DDL-like text: columns with types and NOT NULL, the primary key, foreign
 * keys (inline when single-column), unique constraints, comments, enum values and the row
 * estimate. Defaults, checks and indexes are left to `describe_table`: they rarely change a
 * SELECT and cost tokens.
 */
export function renderTable(
  t: TableInfo,
  enums: EnumValues = new Map(),
  hint?: ColumnHint,
): string {
  const singlePk = t.primaryKey.length === 1 ? t.primaryKey[0] : undefined;
  const inlineFk = new Map(
    t.foreignKeys.filter((fk) => fk.columns.length === 1).map((fk) => [fk.columns[0], fk]),
  );
  const lines: { text: string; note?: string }[] = t.columns.map((c) => {
    let text = `  ${quoteIdent(c.name)} ${shortType(c.type)}`;
    if (!c.nullable) text += " NOT NULL";
    if (c.name === singlePk) text += " PRIMARY KEY";
    const fk = inlineFk.get(c.name);
    if (fk) {
      text += ` REFERENCES ${qualifiedName({ schema: fk.refSchema, name: fk.refTable })}(${
        fk.refColumns.map(quoteIdent).join(", ")
      })`;
    }
    if (c.generated) text += ` GENERATED ALWAYS AS (${oneLine(c.generated)})`;
    return { text, note: columnNote(c, enums, hint?.(t, c)) };
  });
  if (t.primaryKey.length > 1) {
    lines.push({ text: `  PRIMARY KEY (${t.primaryKey.map(quoteIdent).join(", ")})` });
  }
  for (const u of t.uniqueConstraints ?? []) {
    lines.push({ text: `  UNIQUE (${u.columns.map(quoteIdent).join(", ")})` });
  }
  for (const fk of t.foreignKeys) {
    if (fk.columns.length === 1) continue;
    lines.push({
      text: `  FOREIGN KEY (${fk.columns.map(quoteIdent).join(", ")}) REFERENCES ${
        qualifiedName({ schema: fk.refSchema, name: fk.refTable })
      }(${fk.refColumns.map(quoteIdent).join(", ")})`,
    });
  }
  const notes: string[] = [];
  if (t.comment) notes.push(oneLine(t.comment));
  if (t.kind === "partitioned_table") notes.push("partitioned");
  if (t.estimatedRows !== undefined) notes.push(`~${t.estimatedRows} rows`);
  const head = `${KIND_WORD[t.kind]} ${qualifiedName(t)} (${
    notes.length ? ` -- ${notes.join("; ")}` : ""
  }`;
  const body = lines.map((l, i) => {
    const comma = i < lines.length - 1 ? "," : "";
    return l.note ? `${l.text}${comma} -- ${l.note}` : `${l.text}${comma}`;
  });
  return [head, ...body, ");"].join("\n");
}

function columnNote(c: ColumnInfo, enums: EnumValues, hint?: string): string | undefined {
  const parts: string[] = [];
  if (c.comment) parts.push(oneLine(c.comment));
  const values = c.enumType ? enums.get(c.enumType) : undefined;
  if (values) {
    const shown = values.slice(0, MAX_ENUM_VALUES).map((v) => `'${v.replaceAll("'", "''")}'`);
    if (values.length > MAX_ENUM_VALUES) shown.push(`… ${values.length - MAX_ENUM_VALUES} more`);
    parts.push(`one of ${shown.join(", ")}`);
  }
  if (hint) parts.push(oneLine(hint));
  return parts.length ? parts.join("; ") : undefined;
}

export function renderSchema(
  snapshot: SchemaSnapshot,
  tables: readonly TableInfo[] = snapshot.tables,
  hint?: ColumnHint,
): string {
  const enums = enumValuesOf(snapshot);
  return tables.map((t) => renderTable(t, enums, hint)).join("\n\n");
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
