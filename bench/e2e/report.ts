/**
 * The markdown report: each figure per mode with its ratio against the raw driver and the
 * reference server, and each pg-mcp mode's outcome on the targets.
 */
import { goalFor, outcome } from "./goals.ts";
import { type MetricId, METRICS, type Results, type Unit } from "./metrics.ts";
import { MODE_LABELS, type ModeName } from "./session.ts";

const PG_MCP_MODES: readonly ModeName[] = ["stdio", "http"];

/** The results as markdown tables: the workloads (with targets), then the floors. */
export function renderReport(results: Results, modes: readonly ModeName[]): string {
  const ours = PG_MCP_MODES.filter((m) => modes.includes(m));
  const ids = (Object.keys(METRICS) as MetricId[]).filter((id) => results[id] !== undefined);
  const workloads = ids.filter((id) => METRICS[id].section === "workload");
  const floors = ids.filter((id) => METRICS[id].section === "floor");
  const parts: string[] = [];
  if (workloads.length > 0) {
    const header = ["workload", ...modes.map((m) => MODE_LABELS[m])];
    if (ours.length > 0) header.push("target", ...ours.map((m) => MODE_LABELS[m]));
    const rows = workloads.map((id) => {
      const cells = [METRICS[id].label, ...modes.map((m) => cell(results, id, m))];
      const goal = goalFor(id);
      if (ours.length > 0) {
        cells.push(
          goal?.text ?? "",
          ...ours.map((m) => goal ? mark(outcome(goal, results, m)) : ""),
        );
      }
      return cells;
    });
    parts.push(table(header, rows));
  }
  if (floors.length > 0) {
    const header = ["floor", ...modes.map((m) => MODE_LABELS[m])];
    parts.push(
      table(
        header,
        floors.map((id) => [METRICS[id].label, ...modes.map((m) => cell(results, id, m))]),
      ),
    );
  }
  return parts.join("\n\n");
}

/**
 * `1.41 ms (8.3× raw, 2.2× ref)`: the value, then its ratio to the raw driver (every mode but
 * the raw driver) and to the reference server (pg-mcp's modes).
 */
export function cell(results: Results, metric: MetricId, mode: ModeName): string {
  const row = results[metric] ?? {};
  const value = row[mode];
  if (value === undefined) return "—";
  const ratios: string[] = [];
  for (const [base, name] of [["raw", "raw"], ["reference", "ref"]] as const) {
    const b = row[base];
    const applies = base === "raw" ? mode !== "raw" : PG_MCP_MODES.includes(mode);
    if (applies && b !== undefined && b > 0) ratios.push(`${ratio(value / b)}× ${name}`);
  }
  const text = formatValue(value, METRICS[metric].unit);
  return ratios.length > 0 ? `${text} (${ratios.join(", ")})` : text;
}

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return "—";
  const digits = unit === "calls/s" ? 0 : Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0;
  const n = value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return `${n} ${unit}`;
}

/** Two significant figures at most, never scientific: 0.23, 1.3, 8.3, 12, 140. */
export function ratio(r: number): string {
  if (r >= 10) return r.toFixed(0);
  if (r >= 1) return r.toFixed(1);
  return r.toFixed(2);
}

function mark(o: "pass" | "fail" | "n/a"): string {
  return o === "fail" ? "**fail**" : o;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
