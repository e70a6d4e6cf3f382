/**
 * The workloads of issue 10, run on one open session per mode. The modes take turns (one call, or
 * one burst, each per round), so the load of a shared machine hits them alike. Every call's row
 * count is checked, so a truncated or failed result can never pass for a fast one. Every loop is
 * bounded in count and time: the whole run stays within a few minutes.
 */
import { firstRows, pkLookup, SELECT_ONE } from "./dataset.ts";
import {
  callsPerSecond,
  inTurns,
  latencies,
  type LatencyBudget,
  median,
  percentile,
  type ThroughputBudget,
} from "./measure.ts";
import { type MetricId, record, type Results } from "./metrics.ts";
import type { WorkloadName } from "./options.ts";
import { peakRssMb } from "./peak_rss.ts";
import type { Session } from "./session.ts";

export type Progress = (message: string) => void;

export type SessionWorkload = (
  sessions: readonly Session[],
  results: Results,
  progress: Progress,
) => Promise<void>;

/** Runs `sql` and fails unless the client got exactly `rows` rows back. */
export async function expectRows(session: Session, sql: string, rows: number): Promise<void> {
  const got = await session.query(sql);
  if (got !== rows) {
    throw new Error(
      `Cannot measure ${session.mode}: ${got} rows for "${sql.slice(0, 60)}", expected ${rows}`,
    );
  }
}

/** Throughput rounds per mode; the figure is their median. */
const THROUGHPUT_ROUNDS = 3;

async function throughput(
  sessions: readonly Session[],
  call: (s: Session, i: number) => Promise<unknown>,
  budget: ThroughputBudget,
  results: Results,
  metric: MetricId,
): Promise<void> {
  const rates = await throughputOf(sessions, call, budget);
  for (const [s, rate] of rates) record(results, metric, s.mode, rate);
}

/** Calls per second of each session (the median of its rounds), the sessions taking turns. */
export async function throughputOf(
  sessions: readonly Session[],
  call: (s: Session, i: number) => Promise<unknown>,
  budget: ThroughputBudget,
): Promise<Map<Session, number>> {
  const rates = new Map<Session, number[]>(sessions.map((s) => [s, []]));
  // One count per session across rounds: every call of a session gets a new statement (a new
  // key), so none gains from a cache of statements it has seen (postgres.js prepares by default).
  const calls = new Map<Session, number>(sessions.map((s) => [s, 0]));
  const next = (s: Session) => {
    const i = calls.get(s)!;
    calls.set(s, i + 1);
    return call(s, i);
  };
  await inTurns(sessions, { rounds: THROUGHPUT_ROUNDS, maxMs: Infinity }, async (s, round) => {
    const warmup = round === 0 ? budget.warmup : 0;
    rates.get(s)!.push(await callsPerSecond(() => next(s), { ...budget, warmup }));
  });
  return new Map([...rates].map(([s, r]) => [s, median(r)]));
}

export const SHORT_CALLS: LatencyBudget = { warmup: 50, iterations: 1_000, maxMs: 6_000 };

const ping: SessionWorkload = async (all, results, progress) => {
  const sessions = all.filter((s) => s.ping);
  if (sessions.length === 0) return;
  progress("MCP ping");
  const lat = await latencies(sessions, (s) => s.ping!(), SHORT_CALLS);
  for (const [s, ms] of lat) record(results, "ping_p50_ms", s.mode, median(ms));
  const budget = { inFlight: 8, warmup: 16, calls: 2_000, maxMs: 800 };
  await throughput(sessions, (s) => s.ping!(), budget, results, "ping8_calls_s");
};

/** HTTP mode only: a plain request to the same server, and an MCP ping, in turns. */
const http: SessionWorkload = async (all, results, progress) => {
  for (const s of all) {
    if (!s.bareRequest || !s.ping) continue;
    progress(`per-request server (${s.mode})`);
    const kinds = ["plain", "ping"] as const;
    const lat = await latencies(
      kinds,
      (kind) => kind === "plain" ? s.bareRequest!() : s.ping!(),
      { warmup: 50, iterations: 1_000, maxMs: 2_000 },
    );
    const plain = median(lat.get("plain")!);
    record(results, "http_floor_p50_ms", s.mode, plain);
    record(results, "http_per_request_ms", s.mode, median(lat.get("ping")!) - plain);
  }
};

const select1: SessionWorkload = async (sessions, results, progress) => {
  progress("SELECT 1");
  const lat = await latencies(sessions, (s) => expectRows(s, SELECT_ONE, 1), SHORT_CALLS);
  for (const [s, ms] of lat) {
    record(results, "select1_p50_ms", s.mode, median(ms));
    record(results, "select1_p95_ms", s.mode, percentile(ms, 95));
  }
};

/** Keys from `firstKey` on: at most 8 × 8 + 3 × 10,000 calls, so 40,000 keys apart never meet. */
function pkLookups(inFlight: number, metric: MetricId, firstKey: number): SessionWorkload {
  return async (sessions, results, progress) => {
    progress(`primary-key lookups, ${inFlight} in flight`);
    const budget = { inFlight, warmup: 8 * inFlight, calls: 10_000, maxMs: 1_000 };
    const lookup = (s: Session, i: number) => expectRows(s, pkLookup(firstKey + i), 1);
    await throughput(sessions, lookup, budget, results, metric);
  };
}

const rows10k: SessionWorkload = async (sessions, results, progress) => {
  progress("10,000 rows");
  const sql = firstRows(10_000);
  const lat = await latencies(sessions, (s) => expectRows(s, sql, 10_000), {
    warmup: 2,
    iterations: 15,
    maxMs: 8_000,
  });
  for (const [s, ms] of lat) record(results, "rows10k_ms", s.mode, median(ms));
};

/** The 100,000-row result, then each server's peak RSS and the client's share of the time. */
const rows100k: SessionWorkload = async (sessions, results, progress) => {
  progress("100,000 rows");
  const sql = firstRows(100_000);
  const parses = new Map<Session, number[]>(sessions.map((s) => [s, []]));
  const lat = await latencies(sessions, async (s) => {
    await expectRows(s, sql, 100_000);
    const last = s.lastMessage?.();
    if (last) {
      parses.get(s)!.push(last.parseMs);
      record(results, "message_100k_mb", s.mode, last.bytes / 1e6);
    }
  }, { warmup: 1, iterations: 5, maxMs: 25_000 });
  for (const s of sessions) {
    record(results, "rows100k_ms", s.mode, median(lat.get(s)!));
    const p = parses.get(s)!;
    if (p.length > 0) record(results, "client_parse_100k_ms", s.mode, median(p));
    if (s.pid !== undefined) {
      const rss = await peakRssMb(s.pid);
      if (rss !== undefined) record(results, "peak_rss_mb", s.mode, rss);
    }
  }
};

/** The workloads that run on open sessions, in run order (cold start and imports run apart). */
export const SESSION_WORKLOADS: Partial<Record<WorkloadName, SessionWorkload>> = {
  ping,
  http,
  select1,
  pk: pkLookups(1, "pk_seq_calls_s", 0),
  pk8: pkLookups(8, "pk8_calls_s", 40_000),
  rows10k,
  rows100k,
};
