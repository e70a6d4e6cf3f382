import type { ColumnInfo, SchemaSnapshot, TableInfo } from "../schema/types.ts";
import type { HiddenMatcher } from "./patterns.ts";

/**
 * The snapshot without what SECURITY_HIDDEN_TABLES and SECURITY_HIDDEN_COLUMNS hide: hidden
 * tables vanish, hidden columns vanish from their tables, and every key, unique constraint,
 * index, check and foreign key that names a hidden column or points at a hidden table goes too
 * (a key shown without its hidden column would lie about uniqueness). A generated column's
 * expression is dropped when it names a hidden column; a schema whose every table is hidden
 * (`hr.*`) goes with its enums and domains. Everything built from the snapshot
 * (prompts, list_*, describe_table, search_schema, resources) then never shows them. Pure.
 */
export function hideFromSnapshot(snapshot: SchemaSnapshot, hidden: HiddenMatcher): SchemaSnapshot {
  if (hidden.empty) return snapshot;
  const tables = snapshot.tables
    .filter((t) => !hidden.hiddenTable(t.schema, t.name))
    .map((t) => hideColumns(t, hidden));
  const out: SchemaSnapshot = { ...snapshot, tables };
  // A schema whose every table is hidden (`hr.*`) vanishes too, with its types.
  const whole = (schema: string) =>
    hidden.patterns.tables.some((p) =>
      p.table === "*" && (p.schema === "*" || p.schema === schema.toLowerCase())
    );
  if (snapshot.schemas) out.schemas = snapshot.schemas.filter((s) => !whole(s.name));
  if (snapshot.enums) out.enums = snapshot.enums.filter((e) => !whole(e.schema));
  if (snapshot.domains) out.domains = snapshot.domains.filter((d) => !whole(d.schema));
  return out;
}

function hideColumns(table: TableInfo, hidden: HiddenMatcher): TableInfo {
  const hiddenNames = table.columns
    .filter((c) => hidden.hiddenColumn(table.schema, table.name, c.name))
    .map((c) => c.name);
  const names = mentions(hiddenNames);
  const foreignKeys = table.foreignKeys.filter((fk) =>
    !fk.columns.some(names) && !hidden.hiddenTable(fk.refSchema, fk.refTable) &&
    !fk.refColumns.some((c) => hidden.hiddenColumn(fk.refSchema, fk.refTable, c))
  );
  if (hiddenNames.length === 0) {
    return foreignKeys.length === table.foreignKeys.length ? table : { ...table, foreignKeys };
  }
  const visible = (c: ColumnInfo) => !hiddenNames.includes(c.name);
  const out: TableInfo = {
    ...table,
    columns: table.columns.filter(visible).map((c) =>
      c.generated && names(c.generated) ? withoutGenerated(c) : c
    ),
    primaryKey: table.primaryKey.some(names) ? [] : table.primaryKey,
    foreignKeys,
  };
  if (table.uniqueConstraints) {
    out.uniqueConstraints = table.uniqueConstraints.filter((u) => !u.columns.some(names));
  }
  if (table.checks) out.checks = table.checks.filter((c) => !names(c.definition));
  if (table.indexes) {
    out.indexes = table.indexes.filter((i) =>
      !i.columns.some(names) && !names(i.predicate ?? "") && !names(i.definition)
    );
  }
  return out;
}

function withoutGenerated(column: ColumnInfo): ColumnInfo {
  const { generated: _, ...rest } = column;
  return rest;
}

/**
 * A test "does this text name one of `columns`": the name as a whole identifier (quoted or not),
 * case-insensitively, so an expression key like `lower((ssn)::text)` counts.
 */
function mentions(columns: readonly string[]): (text: string) => boolean {
  if (columns.length === 0) return () => false;
  const escaped = columns.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp(`(^|[^\\p{L}\\p{N}_$])(${escaped.join("|")})(?![\\p{L}\\p{N}_$])`, "iu");
  return (text) => re.test(text);
}
