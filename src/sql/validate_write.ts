import { ok, type Result } from "../errors.ts";
import type { AstNode, SqlParser } from "./parse.ts";
import { refuse } from "./refusal.ts";
import { operationName } from "./statement_rules.ts";
import { inspectStatement, type SqlPolicy, withCatalogRules } from "./validate.ts";
import { sealWrite, type StatementFacts, type ValidatedWrite } from "./validated.ts";

/** A write the write-mode validator accepted. */
export interface SafeWrite extends StatementFacts {
  text: string;
  operation: "INSERT" | "UPDATE" | "DELETE";
  /** The table written, as written in the statement. */
  target: string;
}

const WRITE_KINDS: Readonly<Record<string, SafeWrite["operation"]>> = {
  InsertStmt: "INSERT",
  UpdateStmt: "UPDATE",
  DeleteStmt: "DELETE",
};

const SYSTEM_SCHEMAS = new Set(["pg_catalog", "information_schema", "pg_toast"]);

/**
 * Write mode's grammar rules: exactly one INSERT, UPDATE or DELETE (never DDL, TRUNCATE, COPY,
 * GRANT, SET, MERGE or transaction control); UPDATE and DELETE need a WHERE clause; no write
 * nested in it (data-modifying CTE), no system catalog as target; every read inside it follows
 * the read rules (blocked functions, secret catalogs, no INTO, no row lock, hidden data); no
 * write to a table that may have a hidden column.
 */
export function validateWrite(
  sql: string,
  parser: SqlParser,
  policy: SqlPolicy,
): Result<SafeWrite> {
  const parsed = parser.parse(sql);
  if (!parsed.ok) return parsed;
  const statements = parsed.value;
  if (statements.length === 0) {
    return refuse("empty", "Cannot run an empty statement: send one INSERT, UPDATE or DELETE");
  }
  if (statements.length > 1) {
    return refuse("multiple_statements", `Cannot run ${statements.length} statements: send one`, {
      operations: statements.map((s) => operationName(s.kind)),
    });
  }
  const [stmt] = statements;
  const operation = WRITE_KINDS[stmt.kind];
  if (!operation) {
    const name = operationName(stmt.kind);
    return refuse("not_write", `Cannot run ${name}: write mode allows INSERT, UPDATE and DELETE`, {
      operation: name,
    });
  }
  if (operation !== "INSERT" && !stmt.node.whereClause) {
    return refuse(
      "missing_where",
      `Cannot run ${operation} without WHERE: it would change every row`,
      {
        operation,
      },
    );
  }
  const relation = (stmt.node.relation ?? {}) as AstNode;
  const schema = typeof relation.schemaname === "string" ? relation.schemaname : undefined;
  const relname = String(relation.relname ?? "");
  const target = schema ? `${schema}.${relname}` : relname;
  if (
    (schema !== undefined && SYSTEM_SCHEMAS.has(schema.toLowerCase())) ||
    (schema === undefined && relname.toLowerCase().startsWith("pg_"))
  ) {
    return refuse(
      "system_catalog_write",
      `Cannot ${operation} "${target}": it is a system catalog`,
      {
        operation,
        relation: target,
      },
    );
  }
  const hiddenColumns = policy.hidden?.mayHideColumns(schema, relname);
  if (hiddenColumns && !policy.hidden?.hiddenTable(schema, relname)) {
    return refuse(
      "hidden_column",
      `Cannot ${operation} "${target}": it may have hidden columns (SECURITY_HIDDEN_COLUMNS ` +
        `"${hiddenColumns.text}"), and a failed write reports the whole row`,
      { operation, relation: target, pattern: hiddenColumns.text },
    );
  }
  const facts = inspectStatement(stmt.kind, stmt.node, policy);
  if (!facts.ok) return facts;
  return ok({ text: sql, operation, target, ...facts.value });
}

/**
 * The write rules, then the connected database's catalog rules (VOLATILE functions). Waits for
 * the parser's WASM first.
 */
export async function checkWrite(
  sql: string,
  parser: SqlParser,
  policy: SqlPolicy,
): Promise<Result<ValidatedWrite>> {
  await parser.ready();
  const safe = await withCatalogRules(validateWrite(sql, parser, policy), policy);
  if (!safe.ok) return safe;
  const { text, operation, target, ...facts } = safe.value;
  return ok(sealWrite(text, operation, target, facts));
}
