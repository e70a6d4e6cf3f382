/** Every figure the benchmark reports, in display order, and the results table they fill. */
import type { ModeName } from "./session.ts";

export type MetricId =
  | "cold_start_ms"
  | "select1_p50_ms"
  | "select1_p95_ms"
  | "pk_seq_calls_s"
  | "pk8_calls_s"
  | "rows10k_ms"
  | "rows100k_ms"
  | "peak_rss_mb"
  | "select1_gate_p50_ms"
  | "pk_seq_gate_calls_s"
  | "ping_p50_ms"
  | "ping8_calls_s"
  | "http_floor_p50_ms"
  | "http_per_request_ms"
  | "message_100k_mb"
  | "client_parse_100k_ms"
  | "gate_select1_extra_ms"
  | "gate_pk_seq_extra_ms";

export type Unit = "ms" | "calls/s" | "MB";

export interface MetricInfo {
  label: string;
  unit: Unit;
  /** "workload": the figures; "floor": what the client and transports cost alone. */
  section: "workload" | "floor";
}

export const METRICS: Record<MetricId, MetricInfo> = {
  cold_start_ms: {
    label: "cold start to `initialize` + `tools/list` (median)",
    unit: "ms",
    section: "workload",
  },
  select1_p50_ms: { label: "`SELECT 1`, p50", unit: "ms", section: "workload" },
  select1_p95_ms: { label: "`SELECT 1`, p95", unit: "ms", section: "workload" },
  pk_seq_calls_s: {
    label: "primary-key lookups, sequential",
    unit: "calls/s",
    section: "workload",
  },
  pk8_calls_s: {
    label: "primary-key lookups, 8 in flight, one session",
    unit: "calls/s",
    section: "workload",
  },
  rows10k_ms: { label: "10,000 rows end to end (median)", unit: "ms", section: "workload" },
  rows100k_ms: { label: "100,000 rows end to end (median)", unit: "ms", section: "workload" },
  peak_rss_mb: {
    label: "server peak RSS after 100,000 rows (VmHWM)",
    unit: "MB",
    section: "workload",
  },
  select1_gate_p50_ms: {
    label: "`SELECT 1`, p50, cost gate on (SECURITY_MAX_QUERY_COST)",
    unit: "ms",
    section: "workload",
  },
  pk_seq_gate_calls_s: {
    label: "primary-key lookups, sequential, cost gate on",
    unit: "calls/s",
    section: "workload",
  },
  ping_p50_ms: { label: "MCP `ping` round trip, p50", unit: "ms", section: "floor" },
  ping8_calls_s: { label: "MCP `ping`, 8 in flight", unit: "calls/s", section: "floor" },
  http_floor_p50_ms: {
    label: "plain HTTP request to the server (404, no MCP), p50",
    unit: "ms",
    section: "floor",
  },
  http_per_request_ms: {
    label: "per-request MCP server + transport (HTTP ping − plain request)",
    unit: "ms",
    section: "floor",
  },
  message_100k_mb: {
    label: "size of the 100,000-row message on the wire",
    unit: "MB",
    section: "floor",
  },
  client_parse_100k_ms: {
    label: "client: decode + parse the 100,000-row message (median)",
    unit: "ms",
    section: "floor",
  },
  gate_select1_extra_ms: {
    label: "cost gate: extra per `SELECT 1` (p50 on − off, same turns)",
    unit: "ms",
    section: "floor",
  },
  gate_pk_seq_extra_ms: {
    label: "cost gate: extra per sequential lookup (1/rate on − off, same turns)",
    unit: "ms",
    section: "floor",
  },
};

/** metric → mode → value; a missing entry was not measured (or does not apply). */
export type Results = Partial<Record<MetricId, Partial<Record<ModeName, number>>>>;

export function record(results: Results, metric: MetricId, mode: ModeName, value: number): void {
  (results[metric] ??= {})[mode] = value;
}
