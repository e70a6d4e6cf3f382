import { loadModule, parseSync } from "libpg-query";
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
}

interface ParseErrorDetails {
  message?: string;
  cursorPosition?: number;
}

/** Loads the WASM parser once; the returned parser is synchronous. */
export async function createSqlParser(): Promise<SqlParser> {
  await loadModule();
  return {
    parse(sql) {
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

/** Calls `visit` for every node below `root`, depth first; `visit` returns false to skip a subtree. */
export function walkAst(
  root: unknown,
  visit: (
    type: string,
    fields: AstNode,
    path: readonly string[],
  ) => boolean | void,
  path: string[] = [],
): void {
  if (Array.isArray(root)) {
    for (const item of root) walkAst(item, visit, path);
    return;
  }
  if (root === null || typeof root !== "object") return;
  for (const [key, value] of Object.entries(root as AstNode)) {
    if (value === null || typeof value !== "object") continue;
    const isNode = /^[A-Z]/.test(key) && !Array.isArray(value);
    if (isNode) {
      if (visit(key, value as AstNode, path) === false) continue;
      path.push(key);
      walkAst(value, visit, path);
      path.pop();
    } else {
      walkAst(value, visit, path);
    }
  }
}

/** The decoded, lower-cased parts of a qualified name list (`[{String:{sval}}]`). */
export function nameParts(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((p) => String((p as { String?: { sval?: string } })?.String?.sval ?? ""))
    .filter((s) => s.length > 0);
}
