import { fingerprintSync, loadModule, parseSync } from "libpg-query";
import { fail, ok, type Result } from "../errors.ts";

/** One node of PostgreSQL's parse tree: `{ NodeType: { ...fields } }`. */
export type AstNode = Record<string, unknown>;

export interface ParsedStatement {
  /** The node type of the statement, such as "SelectStmt" or "InsertStmt". */
  kind: string;
  /** The statement's fields (the inside of `{ [kind]: fields }`). */
  node: AstNode;
}

export interface SqlParser {
  /** Parses with PostgreSQL's own grammar; a syntax error is SQL_PARSE_FAILED with the position. */
  parse(sql: string): Result<ParsedStatement[]>;
  /**
   * libpg-query's fingerprint: the same for statements that differ only in constants and
   * spacing (for audit lines that must not carry the SQL); undefined when it does not parse.
   */
  fingerprint(sql: string): string | undefined;
}

interface ParseErrorDetails {
  message?: string;
  cursorPosition?: number;
}

/** Loads the WASM parser once; the returned parser is synchronous. */
export async function createSqlParser(): Promise<SqlParser> {
  await loadModule();
  return {
    fingerprint(sql) {
      try {
        return fingerprintSync(sql);
      } catch {
        return undefined;
      }
    },
    parse(sql) {
      if (sql.trim() === "") return ok([]);
      let tree: { stmts?: { stmt: AstNode }[] };
      try {
        tree = parseSync(sql) as typeof tree;
      } catch (error) {
        const d = (error as { sqlDetails?: ParseErrorDetails }).sqlDetails ??
          {};
        const message = d.message ??
          (error instanceof Error ? error.message : String(error));
        return fail("SQL_PARSE_FAILED", `Cannot parse the SQL: ${message}`, {
          message,
          ...(d.cursorPosition !== undefined ? { position: d.cursorPosition + 1 } : {}),
        });
      }
      return ok((tree.stmts ?? []).map(({ stmt }) => {
        const [kind, node] = Object.entries(stmt)[0] ?? ["Unknown", {}];
        return { kind, node: node as AstNode };
      }));
    },
  };
}

/**
 * Fields whose node the JSON tree holds unwrapped (`"larg": { ...fields }` instead of
 * `"larg": { "SelectStmt": { ...fields } }`): the walk reports them under their node type.
 */
const UNWRAPPED_FIELDS: Readonly<Record<string, string>> = {
  larg: "SelectStmt",
  rarg: "SelectStmt",
  intoClause: "IntoClause",
  withClause: "WithClause",
  onConflictClause: "OnConflictClause",
  rel: "RangeVar",
  relation: "RangeVar",
};

/** Calls `visit` for every node below `root`, depth first; `visit` returns false to skip a subtree. */
export function walkAst(
  root: unknown,
  visit: (type: string, fields: AstNode) => boolean | void,
): void {
  if (Array.isArray(root)) {
    for (const item of root) walkAst(item, visit);
    return;
  }
  if (root === null || typeof root !== "object") return;
  const node = root as AstNode;
  for (const key in node) {
    const value = node[key];
    if (value === null || typeof value !== "object") continue;
    const code = key.charCodeAt(0);
    if (code >= 65 && code <= 90 && !Array.isArray(value)) {
      if (visit(key, value as AstNode) === false) continue;
      walkAst(value, visit);
    } else if (!Array.isArray(value) && UNWRAPPED_FIELDS[key] && !isWrapped(value as AstNode)) {
      if (visit(UNWRAPPED_FIELDS[key], value as AstNode) === false) continue;
      walkAst(value, visit);
    } else {
      walkAst(value, visit);
    }
  }
}

/** `{ "SelectStmt": {...} }`: one key, a node type name. */
function isWrapped(value: AstNode): boolean {
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const code = keys[0].charCodeAt(0);
  return code >= 65 && code <= 90;
}

/** The decoded, lower-cased parts of a qualified name list (`[{String:{sval}}]`). */
export function nameParts(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((p) => String((p as { String?: { sval?: string } })?.String?.sval ?? ""))
    .filter((s) => s.length > 0);
}

/**
 * Splits a script into its statements with PostgreSQL's own grammar (comments before a
 * statement stay with it). Call after `createSqlParser()` has loaded the parser.
 */
export function splitSql(sql: string): Result<string[]> {
  let tree: { stmts?: { stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail("SQL_PARSE_FAILED", `Cannot parse the SQL: ${message}`, { message });
  }
  const bytes = new TextEncoder().encode(sql);
  const decoder = new TextDecoder();
  return ok((tree.stmts ?? []).map(({ stmt_location = 0, stmt_len }) => {
    const end = stmt_len ? stmt_location + stmt_len : bytes.length;
    return decoder.decode(bytes.subarray(stmt_location, end)).trim();
  }));
}
