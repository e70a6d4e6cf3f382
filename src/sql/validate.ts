import { fail, ok, type Result } from "../errors.ts";
import { type AstNode, nameParts, type ParsedStatement, type SqlParser, walkAst } from "./parse.ts";

export interface SqlPolicy {
  /** Lower-case, unqualified function names that may never be called. */
  blockedFunctions: ReadonlySet<string>;
}

/** SQL the validator accepted, with what it found in it. */
export interface SafeSql {
  text: string;
  kind: "select" | "explain";
  tables: string[];
  functions: string[];
}

export type RefusalReason =
  | "empty"
  | "multiple_statements"
  | "not_select"
  | "data_modifying_cte"
  | "select_into"
  | "locking_clause"
  | "blocked_function"
  | "explain_analyze";

const WRITES = new Set(["InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"]);

function refuse(
  reason: RefusalReason,
  message: string,
  extra: Record<string, unknown> = {},
) {
  return fail<SafeSql>("SECURITY_VIOLATION", message, { reason, ...extra });
}

/** Accepts exactly one read-only SELECT (or EXPLAIN of one) that calls no blocked function. */
export function validateSql(
  sql: string,
  parser: SqlParser,
  policy: SqlPolicy,
): Result<SafeSql> {
  const parsed = parser.parse(sql);
  if (!parsed.ok) return parsed;
  const statements = parsed.value;
  if (statements.length === 0) {
    return refuse("empty", "Cannot run an empty statement: send one SELECT");
  }
  if (statements.length > 1) {
    return refuse(
      "multiple_statements",
      `Cannot run ${statements.length} statements: send one`,
      { operations: statements.map((s) => operationName(s.kind)) },
    );
  }
  return validateStatement(statements[0], sql, policy);
}

function validateStatement(
  stmt: ParsedStatement,
  sql: string,
  policy: SqlPolicy,
): Result<SafeSql> {
  let target = stmt;
  let kind: SafeSql["kind"] = "select";
  if (stmt.kind === "ExplainStmt") {
    const options = (stmt.node.options as AstNode[] | undefined) ?? [];
    const analyze = options.some((o) => {
      const d = (o as { DefElem?: { defname?: string; arg?: unknown } }).DefElem;
      return d?.defname === "analyze" && !isFalse(d.arg);
    });
    if (analyze) {
      return refuse(
        "explain_analyze",
        "Cannot run EXPLAIN ANALYZE: it executes the statement",
        {
          operation: "EXPLAIN ANALYZE",
        },
      );
    }
    const inner = Object.entries((stmt.node.query as AstNode) ?? {})[0];
    target = {
      kind: inner?.[0] ?? "Unknown",
      node: (inner?.[1] as AstNode) ?? {},
    };
    kind = "explain";
  }
  if (target.kind !== "SelectStmt") {
    const operation = operationName(target.kind);
    return refuse(
      "not_select",
      `Cannot run ${operation}: only SELECT is allowed`,
      { operation },
    );
  }
  const tables = new Set<string>();
  const functions = new Set<string>();
  let problem: Result<SafeSql> | undefined;
  const check = (type: string, fields: AstNode): boolean | void => {
    if (problem) return false;
    if (WRITES.has(type)) {
      const operation = operationName(type);
      problem = refuse(
        "data_modifying_cte",
        `Cannot run ${operation} inside a query: only reads are allowed`,
        { operation },
      );
    } else if (type === "SelectStmt" && fields.intoClause) {
      problem = refuse(
        "select_into",
        "Cannot run SELECT INTO: it creates a table",
        {
          operation: "SELECT INTO",
        },
      );
    } else if (type === "SelectStmt" && Array.isArray(fields.lockingClause)) {
      problem = refuse(
        "locking_clause",
        "Cannot lock rows (FOR UPDATE/SHARE): reads only",
        {
          operation: "FOR UPDATE/SHARE",
        },
      );
    } else if (type === "FuncCall") {
      const parts = nameParts(fields.funcname).map((p) => p.toLowerCase());
      const name = parts[parts.length - 1] ?? "";
      functions.add(parts.join("."));
      if (policy.blockedFunctions.has(name)) {
        problem = refuse(
          "blocked_function",
          `Cannot call "${name}": it has side effects`,
          {
            function: parts.join("."),
          },
        );
      }
    } else if (type === "RangeVar") {
      tables.add([fields.schemaname, fields.relname].filter(Boolean).join("."));
    }
  };
  check(target.kind, target.node);
  walkAst(target.node, check);
  if (problem) return problem;
  return ok({
    text: sql,
    kind,
    tables: [...tables],
    functions: [...functions],
  });
}

function isFalse(arg: unknown): boolean {
  const a = arg as {
    Boolean?: { boolval?: boolean };
    String?: { sval?: string };
  } | undefined;
  if (!a) return false;
  if (a.Boolean) return a.Boolean.boolval !== true;
  const s = a.String?.sval?.toLowerCase();
  return s === "false" || s === "off" || s === "0";
}

/** "InsertStmt" → "INSERT", "CreateStmt" → "CREATE", "TransactionStmt" → "TRANSACTION". */
export function operationName(kind: string): string {
  const special: Record<string, string> = {
    CreateStmt: "CREATE TABLE",
    CreateTableAsStmt: "CREATE TABLE AS",
    TransactionStmt: "TRANSACTION CONTROL",
    VariableSetStmt: "SET",
    CopyStmt: "COPY",
    DropStmt: "DROP",
    TruncateStmt: "TRUNCATE",
    GrantStmt: "GRANT",
    DoStmt: "DO",
  };
  if (special[kind]) return special[kind];
  return kind.replace(/Stmt$/, "").replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}
