import type { StatementCalls } from "./function_policy.ts";

/**
 * Statements the validator accepted. The executor takes nothing else, so a statement is parsed
 * once and never runs unvalidated. Only `validate.ts` and `validate_write.ts` may call `seal*`
 * (a test checks that no other module imports them); anything else would need a cast, which
 * is visible in review.
 */
const VALIDATED: unique symbol = Symbol("validated");

/** What the walk found in a statement. */
export interface StatementFacts extends StatementCalls {
  /** Relations named, as written (`schema.name` or `name`). */
  tables: string[];
  /** Functions called, lower-case, qualified as written. */
  functionNames: string[];
}

/** One read-only statement: a SELECT (any form) or EXPLAIN (without ANALYZE) of one. */
export interface ValidatedSql {
  readonly text: string;
  readonly kind: "select" | "explain";
  readonly facts: StatementFacts;
  /**
   * True when the validator checked it is one SELECT or EXPLAIN: it cannot PREPARE, DECLARE a
   * held cursor, LISTEN or change settings past ROLLBACK, so the executor's reset only releases
   * session advisory locks instead of a whole DISCARD ALL. False when in doubt.
   */
  readonly sessionSafe: boolean;
  readonly [VALIDATED]: true;
}

/** One INSERT, UPDATE or DELETE that write mode accepted. */
export interface ValidatedWrite {
  readonly text: string;
  readonly operation: "INSERT" | "UPDATE" | "DELETE";
  /** The table written, as written in the statement. */
  readonly target: string;
  readonly facts: StatementFacts;
  readonly [VALIDATED]: "write";
}

export function sealRead(
  text: string,
  kind: ValidatedSql["kind"],
  facts: StatementFacts,
  sessionSafe: boolean,
): ValidatedSql {
  return Object.freeze({ text, kind, facts, sessionSafe, [VALIDATED]: true as const });
}

export function sealWrite(
  text: string,
  operation: ValidatedWrite["operation"],
  target: string,
  facts: StatementFacts,
): ValidatedWrite {
  return Object.freeze({ text, operation, target, facts, [VALIDATED]: "write" as const });
}
