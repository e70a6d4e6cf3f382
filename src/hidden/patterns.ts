/**
 * SECURITY_HIDDEN_TABLES and SECURITY_HIDDEN_COLUMNS: patterns naming relations and columns that
 * pg-mcp never shows and never lets a statement read. A pattern is dot-separated parts, each a
 * name or `*` (any name): tables are `schema.table` or `table` (any schema); columns are
 * `table.column` (any schema) or `schema.table.column`. Names are compared case-insensitively, so
 * a pattern hides every spelling (quoted or not) of its name: hiding too much is the safe side.
 */
import { fail, ok, type Result } from "../errors.ts";

export interface HiddenPattern {
  /** Lower case, or "*" (any). */
  schema: string;
  table: string;
  /** Column patterns only. */
  column?: string;
  /** The pattern as configured, for messages. */
  text: string;
}

export interface HiddenPatterns {
  tables: readonly HiddenPattern[];
  columns: readonly HiddenPattern[];
}

/** Parses one pattern; the error message completes "SECURITY_HIDDEN_... ". */
export function parseHiddenPattern(
  text: string,
  kind: "table" | "column",
): Result<HiddenPattern> {
  const parts = text.trim().split(".").map((p) => p.trim().toLowerCase());
  const shapes = kind === "table" ? "schema.table or table" : "table.column or schema.table.column";
  const bad = (why: string) =>
    fail<HiddenPattern>("CONFIG_INVALID", `has a bad pattern "${text.trim()}": ${why}`);
  if (parts.some((p) => p === "")) return bad(`a part is empty; use ${shapes}`);
  if (parts.some((p) => p.includes("*") && p !== "*")) {
    return bad("`*` stands for a whole part only (e.g. *.password, hr.*)");
  }
  if (kind === "table") {
    if (parts.length > 2) return bad(`use ${shapes}`);
    const [schema, table] = parts.length === 2 ? parts : ["*", parts[0]];
    return ok({ schema, table, text: text.trim() });
  }
  if (parts.length < 2 || parts.length > 3) {
    return bad(`use ${shapes} (*.${parts[parts.length - 1]} hides it in every table)`);
  }
  const [schema, table, column] = parts.length === 3 ? parts : ["*", parts[0], parts[1]];
  return ok({ schema, table, column, text: text.trim() });
}

/** Answers "is this hidden?" for names as a statement or the catalog spells them. */
export interface HiddenMatcher {
  /** No pattern at all: every rule is off. */
  readonly empty: boolean;
  readonly patterns: HiddenPatterns;
  /** The pattern hiding relation `table` (`schema` undefined: unqualified), if one does. */
  hiddenTable(schema: string | undefined, table: string): HiddenPattern | undefined;
  /** The pattern hiding `column` of the relation (`schema` undefined: unqualified), if one does. */
  hiddenColumn(
    schema: string | undefined,
    table: string,
    column: string,
  ): HiddenPattern | undefined;
  /** A column pattern that may hide some column of the relation, if one does. */
  mayHideColumns(schema: string | undefined, table: string): HiddenPattern | undefined;
  /**
   * Changes whenever the answers above may change (the role's search path was read again): a
   * verdict remembered under one generation holds only while it lasts.
   */
  generation(): number;
}

const part = (pattern: string, name: string) => pattern === "*" || pattern === name;

/**
 * `searchPath` gives the schemas an unqualified relation name may resolve to (the session's
 * `current_schemas(true)`); while it answers undefined, an unqualified name may be in any schema,
 * so `hr.*` hides every unqualified name: unknown is treated as hidden.
 */
export function createHiddenMatcher(
  patterns: HiddenPatterns,
  searchPath: () => readonly string[] | undefined = () => undefined,
): HiddenMatcher {
  const relationMatches = (p: HiddenPattern, schema: string | undefined, table: string) => {
    if (!part(p.table, table.toLowerCase())) return false;
    if (schema !== undefined) return part(p.schema, schema.toLowerCase());
    if (p.schema === "*") return true;
    const path = searchPath();
    return path === undefined || path.some((s) => s.toLowerCase() === p.schema);
  };
  let seenPath: readonly string[] | undefined;
  let generation = 0;
  return {
    generation: () => {
      const path = searchPath();
      if (path !== seenPath) { // a new reading, even of the same schemas
        seenPath = path;
        generation++;
      }
      return generation;
    },
    empty: patterns.tables.length === 0 && patterns.columns.length === 0,
    patterns,
    hiddenTable: (schema, table) => patterns.tables.find((p) => relationMatches(p, schema, table)),
    hiddenColumn: (schema, table, column) => {
      const c = column.toLowerCase();
      return patterns.columns.find((p) =>
        part(p.column ?? "", c) && relationMatches(p, schema, table)
      );
    },
    mayHideColumns: (schema, table) =>
      patterns.columns.find((p) => relationMatches(p, schema, table)),
  };
}
