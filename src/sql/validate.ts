import { ok, type Result } from "../errors.ts";
import type { HiddenMatcher } from "../hidden/patterns.ts";
import { secretCatalog } from "./catalog_policy.ts";
import {
  checkBlocked,
  checkVolatility,
  type FunctionCatalog,
  type StatementCalls,
} from "./function_policy.ts";
import { hiddenRules } from "./hidden_rules.ts";
import { checkOpaque } from "./opaque_functions.ts";
import { type AstNode, nameParts, type SqlParser, walkAst } from "./parse.ts";
import { refuse } from "./refusal.ts";
import type { StatementMemo } from "./statement_memo.ts";
import { operationName, readTarget } from "./statement_rules.ts";
import { sealRead, type StatementFacts, type ValidatedSql } from "./validated.ts";

export { operationName } from "./statement_rules.ts";
export type { RefusalReason } from "./refusal.ts";
export type { StatementFacts, ValidatedSql } from "./validated.ts";

/** Loads the connected database's function catalog (cached by the implementation). */
export interface FunctionCatalogSource {
  /** `names`: the functions a statement calls; a name it does not know may prompt a reload. */
  load(names: readonly string[]): Promise<Result<FunctionCatalog>>;
}

export interface SqlPolicy {
  /** Lower-case function names (unqualified, or schema-qualified) that may never be called. */
  blockedFunctions: ReadonlySet<string>;
  /** The database's own catalog: VOLATILE functions are refused. Absent: the list alone. */
  catalog?: FunctionCatalogSource;
  /** SECURITY_HIDDEN_TABLES / _COLUMNS: no statement may read them. Absent: nothing hidden. */
  hidden?: HiddenMatcher;
}

/** What the grammar rules accepted: the catalog rules (`checkSql`) make it a ValidatedSql. */
export interface SafeSql extends StatementFacts {
  text: string;
  kind: "select" | "explain";
}

const WRITES = new Set(["InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"]);

/**
 * The grammar rules, synchronous: exactly one read-only SELECT (or EXPLAIN of one) with no
 * write anywhere in it, no INTO, no row lock, no blocked function, no function that runs SQL
 * text or reads tables by name, no secret catalog and no hidden table or column.
 * `checkSql` adds the catalog rules; the executor must call that. Needs a parser whose
 * `ready()` settled (it throws otherwise).
 */
export function validateSql(sql: string, parser: SqlParser, policy: SqlPolicy): Result<SafeSql> {
  const parsed = parser.parse(sql);
  if (!parsed.ok) return parsed;
  const target = readTarget(parsed.value);
  if (!target.ok) return target;
  const found = inspectStatement("SelectStmt", target.value.select, policy);
  if (!found.ok) return found;
  return ok({ text: sql, kind: target.value.kind, ...found.value });
}

/**
 * Walks all of a statement (CTEs, subqueries, LATERAL, function arguments, set operations,
 * VALUES) and applies the node rules to every node below the root, and to the root when it is a
 * SELECT: no write, no other statement, no INTO, no row lock, no blocked or opaque function, no
 * secret catalog, and the hidden-data rules when something is hidden. A write root (write mode)
 * is itself allowed; writes below it are not.
 */
export function inspectStatement(
  rootType: string,
  root: AstNode,
  policy: SqlPolicy,
): Result<StatementFacts> {
  const found: Found = {
    tables: new Set<string>(),
    functions: [],
    operators: [],
    fieldNames: new Set<string>(),
  };
  let problem: Result<never> | undefined;
  const hidden = policy.hidden && !policy.hidden.empty ? hiddenRules(policy.hidden) : undefined;
  const check = (type: string, fields: AstNode): boolean | void => {
    if (problem) return false;
    problem = checkNode(type, fields, policy, found) ?? hidden?.visit(type, fields);
    if (problem) return false;
  };
  try {
    if (rootType !== "SelectStmt" || check(rootType, root) !== false) walkAst(root, check);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return refuse("too_complex", "Cannot check the statement: it is nested too deeply");
  }
  problem ??= hidden?.finish();
  if (problem) return problem;
  return ok({
    tables: [...found.tables],
    functionNames: [...new Set(found.functions.map((p) => p.join(".").toLowerCase()))],
    functions: found.functions,
    operators: found.operators,
    fieldNames: [...found.fieldNames],
  });
}

/**
 * The grammar rules, then the connected database's catalog rules (VOLATILE functions): the only
 * way to a ValidatedSql, which is all the executor runs. Waits for the parser's WASM first (it
 * loads in the background from the start). With `memo`, the grammar rules' verdict on a text
 * they accepted before under the same policy is reused (see statement_memo.ts); the catalog
 * rules run every time.
 */
export async function checkSql(
  sql: string,
  parser: SqlParser,
  policy: SqlPolicy,
  memo?: StatementMemo,
): Promise<Result<ValidatedSql>> {
  await parser.ready();
  const known = memo?.get(policy, sql);
  const grammar = known ? ok(known) : validateSql(sql, parser, policy);
  if (!known && grammar.ok) memo?.set(policy, sql, grammar.value);
  const safe = await withCatalogRules(grammar, policy);
  if (!safe.ok) return safe;
  const { text, kind, ...facts } = safe.value;
  return ok(sealRead(text, kind, facts, true));
}

/** Applies the catalog rules to what the grammar rules accepted (reads or writes alike). */
export async function withCatalogRules<T extends StatementCalls>(
  safe: Result<T>,
  policy: SqlPolicy,
): Promise<Result<T>> {
  if (!safe.ok || !policy.catalog) return safe;
  const catalog = await policy.catalog.load(safe.value.functions.map((p) => p[p.length - 1]));
  if (!catalog.ok) return catalog;
  return checkVolatility(safe.value, catalog.value) ?? safe;
}

interface Found {
  tables: Set<string>;
  functions: string[][];
  operators: string[][];
  fieldNames: Set<string>;
}

const LOCKING_MESSAGE =
  "Cannot lock rows (FOR UPDATE/SHARE): row locks block other sessions' writes; only plain " +
  "reads are allowed";

function checkNode(
  type: string,
  fields: AstNode,
  policy: SqlPolicy,
  found: Found,
): Result<never> | undefined {
  switch (type) {
    case "SelectStmt":
      if (fields.intoClause) {
        return refuse("select_into", "Cannot run SELECT INTO: it creates a table", {
          operation: "SELECT INTO",
        });
      }
      if (Array.isArray(fields.lockingClause) && fields.lockingClause.length > 0) {
        return refuse("locking_clause", LOCKING_MESSAGE, { operation: "FOR UPDATE/SHARE" });
      }
      return undefined;
    case "IntoClause":
      return refuse("select_into", "Cannot run SELECT INTO: it creates a table", {
        operation: "SELECT INTO",
      });
    case "LockingClause":
      return refuse("locking_clause", LOCKING_MESSAGE, { operation: "FOR UPDATE/SHARE" });
    case "FuncCall": {
      const parts = nameParts(fields.funcname);
      found.functions.push(parts);
      const args = Array.isArray(fields.args) ? fields.args.length : 0;
      return checkOpaque(parts, args) ?? checkBlocked(parts, policy.blockedFunctions);
    }
    case "RangeVar": {
      if (typeof fields.relname !== "string") return undefined;
      const schema = fields.schemaname as string | undefined;
      const relname = String(fields.relname ?? "");
      found.tables.add(schema ? `${schema}.${relname}` : relname);
      const secret = secretCatalog(schema, relname);
      if (secret) {
        return refuse("secret_catalog", `Cannot read "${secret.relation}": ${secret.why}`, {
          relation: secret.relation,
        });
      }
      return undefined;
    }
    case "A_Expr": {
      const parts = nameParts(fields.name);
      if (parts.length > 0) found.operators.push(parts);
      return undefined;
    }
    case "ColumnRef": {
      const parts = nameParts(fields.fields);
      if (parts.length >= 2) found.fieldNames.add(parts[parts.length - 1]);
      return undefined;
    }
    case "A_Indirection":
      for (const name of nameParts(fields.indirection)) found.fieldNames.add(name);
      return undefined;
  }
  if (WRITES.has(type)) {
    const operation = operationName(type);
    return refuse(
      "data_modifying_cte",
      `Cannot run ${operation} inside a query: only reads are allowed`,
      { operation },
    );
  }
  if (type.endsWith("Stmt") && type !== "SelectStmt") {
    const operation = operationName(type);
    return refuse("nested_statement", `Cannot run ${operation} inside a query`, { operation });
  }
  return undefined;
}
