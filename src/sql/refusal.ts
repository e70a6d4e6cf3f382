import { fail, type Result } from "../errors.ts";

/**
 * Every reason a statement is refused: the stable `details.reason` of SECURITY_VIOLATION.
 * Public: add, never rename.
 */
export type RefusalReason =
  | "empty"
  | "multiple_statements"
  | "not_select"
  | "explain_analyze"
  | "data_modifying_cte"
  | "nested_statement"
  | "select_into"
  | "locking_clause"
  | "blocked_function"
  | "volatile_function"
  | "volatile_operator"
  | "secret_catalog"
  | "too_complex"
  | "sql_text_function"
  | "table_dump_function"
  | "hidden_table"
  | "hidden_column"
  | "hidden_statistics"
  // write mode
  | "not_write"
  | "missing_where"
  | "system_catalog_write";

/** A SECURITY_VIOLATION whose details name the rule (`reason`) and what broke it. */
export function refuse<T>(
  reason: RefusalReason,
  message: string,
  extra: Record<string, unknown> = {},
): Result<T> {
  return fail<T>("SECURITY_VIOLATION", message, { reason, ...extra });
}
