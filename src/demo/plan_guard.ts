/**
 * Refuses, before it starts, a statement the planner expects to run far past the statement
 * timeout. PGlite runs a statement synchronously in WebAssembly and nothing can stop it: not
 * statement_timeout (ignored), not a cancel request, not even Worker.terminate() (measured: the
 * thread keeps one core busy until the statement ends, hours for a three-way cross join of
 * Chinook's tracks). The supervisor's watchdog answers such a statement on time and moves the
 * client to a fresh engine, but the old one still burns a core; this guard keeps the common
 * cause, an accidental cross join, from starting at all.
 *
 * It sits between pglite-socket and PGlite and sees one protocol message at a time. For a Parse
 * or a simple Query it asks `EXPLAIN (GENERIC_PLAN, FORMAT JSON)` for the plan's total cost
 * (inside a savepoint when a transaction is open, so a failed EXPLAIN changes nothing). EXPLAIN
 * cannot be combined with ANALYZE or another EXPLAIN after the options list, and the extended
 * protocol takes one statement only, so the client's text is planned, never run.
 */
import type { PGlite } from "@electric-sql/pglite";
import { errorResponse, failedStatements, MESSAGE, type WireError } from "./pg_wire.ts";

export type Verdict =
  | { kind: "forward" }
  /** Not for PGlite: part of an extended-protocol batch whose Parse was refused. */
  | { kind: "drop" }
  /** Answer the client with these bytes instead. */
  | { kind: "refuse"; reply: Uint8Array };

/** The SQL of a Parse ('P': name, query, ...) or simple Query ('Q': query) message. */
export function statementText(
  message: Uint8Array,
): { kind: "parse" | "query"; text: string } | undefined {
  const type = message[0];
  if (type !== MESSAGE.parse && type !== MESSAGE.query) return undefined;
  let start = 5;
  if (type === MESSAGE.parse) {
    const nameEnd = message.indexOf(0, start);
    if (nameEnd < 0) return undefined;
    start = nameEnd + 1;
  }
  const end = message.indexOf(0, start);
  if (end < 0) return undefined;
  const text = new TextDecoder().decode(message.subarray(start, end));
  return { kind: type === MESSAGE.parse ? "parse" : "query", text };
}

const SAVEPOINT = "pgmcp_demo_plan_guard";
const PARAMETER = /\$\d/;

/**
 * Statements EXPLAIN cannot plan, skipped to save three round trips each (the executor sends
 * BEGIN, ROLLBACK and DISCARD ALL around every query). Only a leading keyword is matched, so a
 * statement hidden behind a comment is still planned. A simple Query holding several statements
 * cannot be planned either (EXPLAIN takes one); pg-mcp sends user SQL by the extended protocol.
 * Nor is a statement with $n parameters (pg-mcp's own catalog queries): planning it would need
 * their types, and a failed attempt costs as much as a plan.
 */
const NOT_PLANNABLE =
  /^\s*(begin|start|commit|end|rollback|abort|savepoint|release|discard|set|reset|show|deallocate|close|listen|unlisten)\b/i;

export class PlanGuard {
  #pg: PGlite;
  #maxCost: number;
  #discardingUntilSync = false;

  constructor(pg: PGlite, maxCost: number) {
    this.#pg = pg;
    this.#maxCost = maxCost;
  }

  async check(message: Uint8Array): Promise<Verdict> {
    // A startup packet (no type byte; its length's high byte is 0) begins a new connection.
    if (message[0] === 0) this.#discardingUntilSync = false;
    if (this.#discardingUntilSync) {
      // As a server does after an error in an extended-protocol batch: skip to the Sync.
      if (message[0] !== MESSAGE.sync) return { kind: "drop" };
      this.#discardingUntilSync = false;
      return { kind: "forward" };
    }
    const statement = statementText(message);
    if (!statement || NOT_PLANNABLE.test(statement.text) || PARAMETER.test(statement.text)) {
      return { kind: "forward" };
    }
    const cost = await this.#estimate(statement.text);
    if (cost === undefined || cost <= this.#maxCost) return { kind: "forward" };
    const error: WireError = {
      severity: "ERROR",
      code: "57014",
      message: `canceling statement: the demo database expects it to run too long ` +
        `(planner cost ${
          Math.round(cost)
        }, limit ${this.#maxCost}); add join conditions or filters`,
    };
    if (statement.kind === "parse") {
      this.#discardingUntilSync = true;
      return { kind: "refuse", reply: errorResponse(error) };
    }
    const status = this.#pg.isInTransaction() ? "T" : "I";
    return { kind: "refuse", reply: failedStatements(error, status) };
  }

  /** The plan's total cost, or undefined when the text cannot be planned (it will fail anyway). */
  async #estimate(text: string): Promise<number | undefined> {
    const inTransaction = this.#pg.isInTransaction();
    try {
      if (inTransaction) await this.#pg.exec(`SAVEPOINT ${SAVEPOINT}`);
    } catch {
      return undefined; // a failed transaction: the statement is refused by PostgreSQL itself
    }
    try {
      const result = await this.#pg.query<{ "QUERY PLAN": { Plan?: { "Total Cost"?: number } }[] }>(
        `EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${text}`,
      );
      const cost = result.rows[0]?.["QUERY PLAN"]?.[0]?.Plan?.["Total Cost"];
      return typeof cost === "number" ? cost : undefined;
    } catch {
      return undefined;
    } finally {
      if (inTransaction) {
        await this.#pg.exec(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}`)
          .catch(() => undefined);
      }
    }
  }
}
