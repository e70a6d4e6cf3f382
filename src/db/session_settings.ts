/** Server-side limits of every transaction pg-mcp opens (SQL cannot lift them for later calls). */
export interface SessionLimits {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

export function limitsFor(maxExecutionTimeS: number): SessionLimits {
  const statementTimeoutMs = Math.max(1, Math.round(maxExecutionTimeS * 1000));
  return {
    statementTimeoutMs,
    lockTimeoutMs: statementTimeoutMs,
    idleInTransactionTimeoutMs: statementTimeoutMs + 5_000,
  };
}

/**
 * Everything the guarantees and the value formats depend on, set inside the transaction with
 * SET LOCAL (what `set_config(..., true)` does, with no result row to read back): whatever the
 * role's or database's defaults, whatever PgBouncer did with the session (DISCARD ALL resets
 * TimeZone and IntervalStyle to the role's defaults), and with no startup parameter (PgBouncer
 * refuses unknown ones, pglite-socket ignores them). Values are integers we format or constants,
 * never user text.
 */
export function transactionPreamble(
  readOnly: boolean,
  limits: SessionLimits,
  jit = true,
): string {
  const ms = (n: number) => String(Math.max(0, Math.trunc(n)));
  const settings: [string, string][] = [
    ["statement_timeout", ms(limits.statementTimeoutMs)],
    ["lock_timeout", ms(limits.lockTimeoutMs)],
    ["idle_in_transaction_session_timeout", ms(limits.idleInTransactionTimeoutMs)],
    ["TimeZone", "UTC"],
    ["DateStyle", "ISO, YMD"],
    ["IntervalStyle", "iso_8601"],
    ["extra_float_digits", "1"],
    ["bytea_output", "hex"],
    ...(jit ? [] : [["jit", "off"] as [string, string]]),
  ];
  return [
    `BEGIN ${readOnly ? "READ ONLY" : "READ WRITE"}`,
    ...settings.map(([name, value]) => `SET LOCAL ${name} = '${value}'`),
  ].join("; ");
}
