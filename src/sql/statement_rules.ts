import type { Result } from "../errors.ts";
import { ok } from "../errors.ts";
import type { AstNode, ParsedStatement } from "./parse.ts";
import { refuse } from "./refusal.ts";

/** The statement to walk: the SELECT itself, or the SELECT an EXPLAIN describes. */
export interface ReadTarget {
  kind: "select" | "explain";
  select: AstNode;
}

/** Exactly one statement: a SELECT (any form), or EXPLAIN without ANALYZE of a SELECT. */
export function readTarget(statements: readonly ParsedStatement[]): Result<ReadTarget> {
  if (statements.length === 0) {
    return refuse("empty", "Cannot run an empty statement: send one SELECT");
  }
  if (statements.length > 1) {
    return refuse("multiple_statements", `Cannot run ${statements.length} statements: send one`, {
      operations: statements.map((s) => operationName(s.kind)),
    });
  }
  const stmt = statements[0];
  if (stmt.kind === "SelectStmt") return ok({ kind: "select", select: stmt.node });
  if (stmt.kind !== "ExplainStmt") {
    const operation = operationName(stmt.kind);
    return refuse("not_select", `Cannot run ${operation}: only SELECT is allowed`, { operation });
  }
  if (explainAnalyzes(stmt.node)) {
    return refuse("explain_analyze", "Cannot run EXPLAIN ANALYZE: it executes the statement", {
      operation: "EXPLAIN ANALYZE",
    });
  }
  const [innerKind, inner] = Object.entries((stmt.node.query as AstNode | undefined) ?? {})[0] ??
    ["Unknown", {}];
  if (innerKind !== "SelectStmt") {
    const operation = `EXPLAIN ${operationName(innerKind)}`;
    return refuse("not_select", `Cannot run ${operation}: only SELECT may be explained`, {
      operation,
    });
  }
  return ok({ kind: "explain", select: inner as AstNode });
}

function explainAnalyzes(explain: AstNode): boolean {
  const options = (explain.options as unknown[] | undefined) ?? [];
  return options.some((o) => {
    const d = (o as { DefElem?: { defname?: string; arg?: unknown } }).DefElem;
    return d?.defname?.toLowerCase() === "analyze" && !isFalse(d.arg);
  });
}

/** An EXPLAIN option's value is false: `false`, `off`, `0` (absent means true). */
function isFalse(arg: unknown): boolean {
  const a = arg as {
    Boolean?: { boolval?: boolean };
    String?: { sval?: string };
    A_Const?: {
      ival?: { ival?: number };
      boolval?: { boolval?: boolean };
      sval?: { sval?: string };
    };
    Integer?: { ival?: number };
  } | undefined;
  if (!a) return false;
  if (a.Boolean) return a.Boolean.boolval !== true;
  if (a.Integer) return (a.Integer.ival ?? 0) === 0;
  const s = a.String?.sval?.toLowerCase();
  return s === "false" || s === "off" || s === "0" || s === "no";
}

/** "InsertStmt" → "INSERT", "CreateStmt" → "CREATE TABLE", "TransactionStmt" → "TRANSACTION CONTROL". */
export function operationName(kind: string): string {
  const special: Record<string, string> = {
    CreateStmt: "CREATE TABLE",
    CreateTableAsStmt: "CREATE TABLE AS",
    TransactionStmt: "TRANSACTION CONTROL",
    VariableSetStmt: "SET",
    VariableShowStmt: "SHOW",
    CopyStmt: "COPY",
    DropStmt: "DROP",
    TruncateStmt: "TRUNCATE",
    GrantStmt: "GRANT",
    DoStmt: "DO",
  };
  if (special[kind]) return special[kind];
  return kind.replace(/Stmt$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
}
