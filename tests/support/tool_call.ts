/**
 * One MCP tool call with a finite bound, reported as data rather than thrown: an answer (its
 * `structuredContent` and error code), no answer in time, or a transport failure, each with how
 * long it took. Fault tests assert on these; the description goes in assertion messages.
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";

export interface ToolBody {
  success?: boolean;
  /** The answer's data, rows keyed by column name here for readable assertions. */
  data?: { columns: { name: string; type: string }[]; rows: Record<string, unknown>[] };
  error?: { code: string; message: string; details?: Record<string, unknown> };
  [key: string]: unknown;
}

export type CallOutcome =
  | { kind: "answer"; isError: boolean; body: ToolBody; code?: string; ms: number }
  | { kind: "timeout"; ms: number }
  | { kind: "failed"; error: string; ms: number };

export interface CallOptions {
  /** No answer after this many ms is outcome "timeout" (default 10 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  opts: CallOptions = {},
): Promise<CallOutcome> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const call = client.callTool({ name, arguments: args }, undefined, {
      signal: opts.signal,
      // The SDK's own bound, a little later than ours, so nothing of the call outlives the test.
      timeout: timeoutMs + 1_000,
    });
    call.catch(() => undefined); // settles after our bound won the race: nobody awaits it then
    const result = await Promise.race([call, expired]);
    if (result === "timeout") return { kind: "timeout", ms: ms() };
    const body = keyedRows((result.structuredContent ?? {}) as Record<string, unknown>);
    const isError = result.isError === true;
    return { kind: "answer", isError, body, code: body.error?.code, ms: ms() };
  } catch (error) {
    return {
      kind: "failed",
      error: error instanceof Error ? error.message : String(error),
      ms: ms(),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** One line for assertion messages. */
export function describe(outcome: CallOutcome): string {
  switch (outcome.kind) {
    case "timeout":
      return `no answer within ${outcome.ms} ms`;
    case "failed":
      return `call failed after ${outcome.ms} ms: ${outcome.error}`;
    case "answer":
      return outcome.isError
        ? `${outcome.code} after ${outcome.ms} ms: ${outcome.body.error?.message}`
        : `success after ${outcome.ms} ms: ${
          JSON.stringify(outcome.body.data?.rows ?? outcome.body).slice(0, 200)
        }`;
  }
}

/** The rows of a successful execute_sql answer; throws (with the description) otherwise. */
export function rowsOf(outcome: CallOutcome): Record<string, unknown>[] {
  if (outcome.kind !== "answer" || outcome.isError || !outcome.body.data) {
    throw new Error(`expected rows, got ${describe(outcome)}`);
  }
  return outcome.body.data.rows;
}

/**
 * Runs `work(0..total-1)` with `inFlight` calls at a time; stops starting new ones once
 * `deadlineMs` has passed (so a broken server cannot stretch the loop). Returns the results of
 * the calls that ran, in index order, and how many were skipped.
 */
export async function runConcurrently<T>(
  total: number,
  inFlight: number,
  work: (i: number) => Promise<T>,
  deadlineMs = 60_000,
): Promise<{ results: T[]; skipped: number }> {
  const results: T[] = new Array(total);
  const stopAt = performance.now() + deadlineMs;
  let next = 0;
  let ran = 0;
  const worker = async () => {
    while (next < total && performance.now() < stopAt) {
      const i = next++;
      results[i] = await work(i);
      ran++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { results: results.filter((_, i) => i < next), skipped: total - ran };
}

/** The wire shape (`columns`, `column_types`, rows as arrays) as objects keyed by column. */
function keyedRows(body: Record<string, unknown>): ToolBody {
  const data = body.data as
    | { columns: string[]; column_types: string[]; rows: unknown[][] }
    | undefined;
  if (!data || !Array.isArray(data.columns) || typeof data.columns[0] === "object") {
    return body as ToolBody;
  }
  return {
    ...body,
    data: {
      ...data,
      columns: data.columns.map((name, i) => ({ name, type: data.column_types?.[i] ?? "" })),
      rows: data.rows.map((row) => Object.fromEntries(data.columns.map((c, i) => [c, row[i]]))),
    },
  } as ToolBody;
}
