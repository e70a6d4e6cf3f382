import assert from "node:assert/strict";
import { GOALS, outcome } from "./goals.ts";
import type { MetricId, Results } from "./metrics.ts";
import { cell, formatValue, ratio, renderReport } from "./report.ts";

const goal = (metric: MetricId) => GOALS.find((g) => g.metric === metric)!;

Deno.test("each target of issue 10 passes at its bound and fails just past it", () => {
  const cases: [MetricId, Results, Results][] = [
    ["cold_start_ms", { cold_start_ms: { reference: 98, stdio: 98 } }, {
      cold_start_ms: { reference: 98, stdio: 98.1 },
    }],
    ["select1_p50_ms", { select1_p50_ms: { raw: 0.2, stdio: 0.5 } }, {
      select1_p50_ms: { raw: 0.2, stdio: 0.51 },
    }],
    ["pk_seq_calls_s", { pk_seq_calls_s: { raw: 1000, stdio: 600 } }, {
      pk_seq_calls_s: { raw: 1000, stdio: 599 },
    }],
    ["pk8_calls_s", { pk8_calls_s: { raw: 1000, http: 600 } }, {
      pk8_calls_s: { raw: 1000, http: 599 },
    }],
    ["rows10k_ms", { rows10k_ms: { raw: 100, stdio: 130 } }, {
      rows10k_ms: { raw: 100, stdio: 131 },
    }],
    ["rows100k_ms", { rows100k_ms: { raw: 200, stdio: 300 } }, {
      rows100k_ms: { raw: 200, stdio: 301 },
    }],
    ["peak_rss_mb", { peak_rss_mb: { reference: 500, stdio: 250 } }, {
      peak_rss_mb: { reference: 500, stdio: 251 },
    }],
  ];
  assert.deepEqual(cases.map((c) => c[0]).sort(), GOALS.map((g) => g.metric).sort());
  for (const [metric, atBound, past] of cases) {
    const mode = metric === "pk8_calls_s" ? "http" : "stdio";
    assert.equal(outcome(goal(metric), atBound, mode), "pass", metric);
    assert.equal(outcome(goal(metric), past, mode), "fail", metric);
  }
});

Deno.test("a target is n/a when the figure or its baseline was not measured", () => {
  assert.equal(outcome(goal("rows10k_ms"), { rows10k_ms: { stdio: 10 } }, "stdio"), "n/a");
  assert.equal(outcome(goal("rows10k_ms"), { rows10k_ms: { raw: 10 } }, "stdio"), "n/a");
  assert.equal(outcome(goal("rows10k_ms"), {}, "http"), "n/a");
  assert.equal(
    outcome(goal("cold_start_ms"), { cold_start_ms: { raw: 1, stdio: 1 } }, "stdio"),
    "n/a",
  );
  assert.equal(outcome(goal("rows10k_ms"), { rows10k_ms: { raw: NaN, stdio: 1 } }, "stdio"), "n/a");
});

Deno.test("cell() gives the value and its ratios to the raw driver and the reference", () => {
  const r: Results = { select1_p50_ms: { raw: 0.2, reference: 0.5, stdio: 1.5 } };
  assert.equal(cell(r, "select1_p50_ms", "raw"), "0.20 ms");
  assert.equal(cell(r, "select1_p50_ms", "reference"), "0.50 ms (2.5× raw)");
  assert.equal(cell(r, "select1_p50_ms", "stdio"), "1.50 ms (7.5× raw, 3.0× ref)");
  assert.equal(cell(r, "select1_p50_ms", "http"), "—");
  const t: Results = { pk_seq_calls_s: { raw: 2574, stdio: 593 } };
  assert.equal(cell(t, "pk_seq_calls_s", "stdio"), "593 calls/s (0.23× raw)");
});

Deno.test("formatValue() and ratio() keep two or three significant figures", () => {
  assert.equal(formatValue(1647.4, "ms"), "1,647 ms");
  assert.equal(formatValue(66.04, "ms"), "66.0 ms");
  assert.equal(formatValue(0.174, "ms"), "0.17 ms");
  assert.equal(formatValue(5782.4, "calls/s"), "5,782 calls/s");
  assert.equal(formatValue(834.2, "MB"), "834 MB");
  assert.equal(formatValue(NaN, "ms"), "—");
  assert.deepEqual([ratio(0.2304), ratio(1.66), ratio(8.26), ratio(12.4)], [
    "0.23",
    "1.7",
    "8.3",
    "12",
  ]);
});

Deno.test("renderReport() has a column per mode run and a target column per pg-mcp mode", () => {
  const results: Results = {
    rows10k_ms: { raw: 28, stdio: 145 },
    ping_p50_ms: { stdio: 0.3 },
  };
  const text = renderReport(results, ["raw", "stdio"]);
  const lines = text.split("\n");
  assert.equal(lines[0], "| workload | raw driver | pg-mcp stdio | target | pg-mcp stdio |");
  assert.equal(
    lines[2],
    "| 10,000 rows end to end (median) | 28.0 ms | 145 ms (5.2× raw) | ≤ 1.3 × raw | **fail** |",
  );
  assert.ok(text.includes("| floor | raw driver | pg-mcp stdio |"));
  assert.ok(text.includes("| MCP `ping` round trip, p50 | — | 0.30 ms |"));
  assert.ok(!text.includes("`SELECT 1`"), "unmeasured workloads have no row");
});
