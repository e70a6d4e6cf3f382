import type { SchemaSnapshot, TableInfo } from "./types.ts";

/** Quotes an identifier only when PostgreSQL needs it. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** One table as compact DDL-like text: columns, keys, foreign keys, comments. */
export function renderTable(t: TableInfo): string {
  const lines = t.columns.map((c) => {
    const parts = [`  ${quoteIdent(c.name)} ${c.type}`];
    if (!c.nullable) parts.push("NOT NULL");
    if (c.comment) parts.push(`-- ${oneLine(c.comment)}`);
    return parts.join(" ");
  });
  if (t.primaryKey.length > 0) {
    lines.push(`  PRIMARY KEY (${t.primaryKey.map(quoteIdent).join(", ")})`);
  }
  for (const fk of t.foreignKeys) {
    lines.push(
      `  FOREIGN KEY (${fk.columns.map(quoteIdent).join(", ")}) REFERENCES ` +
        `${quoteIdent(fk.refSchema)}.${quoteIdent(fk.refTable)}(${
          fk.refColumns.map(quoteIdent).join(", ")
        })`,
    );
  }
  const head = `${t.kind.replace("_", " ").toUpperCase()} ${quoteIdent(t.schema)}.${
    quoteIdent(t.name)
  }`;
  const comment = t.comment ? ` -- ${oneLine(t.comment)}` : "";
  return `${head} (${comment}\n${lines.join(",\n")}\n);`;
}

export function renderSchema(
  snapshot: SchemaSnapshot,
  tables: readonly TableInfo[] = snapshot.tables,
): string {
  return tables.map(renderTable).join("\n\n");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
