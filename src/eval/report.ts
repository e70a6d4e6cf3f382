import type { EvalReport, QuestionResult, Summary } from "./run_eval.ts";

const pct = (x: number | null) => x === null ? "n/a" : `${(x * 100).toFixed(1)}%`;

/** The report as a markdown table: overall first, then one row per category. */
export function toMarkdown(report: EvalReport): string {
  const head = [
    "| scope | questions | scored | correct | execution accuracy | refusals (expected) | " +
    "errors | repaired | avg attempts | tokens | latency p50 ms | latency p95 ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const row = (scope: string, s: Summary) =>
    `| ${scope} | ${s.questions} | ${s.scored} | ${s.correct} | ${pct(s.execution_accuracy)} | ` +
    `${s.refusals} (${s.refusals_expected}/${s.write_questions}) | ${s.errors} | ${s.repaired} | ` +
    `${s.avg_attempts} | ${s.tokens_total} | ${s.latency_ms_p50} | ${s.latency_ms_p95} |`;
  const lines = [
    ...head,
    row("**overall**", report.overall),
    ...Object.entries(report.by_category).map(([c, s]) => row(c, s)),
  ];
  const misses = report.questions.filter((q) => !q.right);
  if (misses.length > 0) {
    lines.push("", "| question | outcome | why |", "| --- | --- | --- |");
    for (const q of misses) lines.push(`| ${q.id} | ${q.outcome} | ${why(q)} |`);
  }
  return lines.join("\n") + "\n";
}

function why(q: QuestionResult): string {
  const text = q.reason ?? (q.error ? `${q.error.code}: ${q.error.message}` : "");
  return text.replace(/\|/g, "\\|").replace(/\s+/g, " ").slice(0, 200);
}

/** A one-line progress bar for stderr: `[#####-----] 12/62 right 9`. */
export function progressLine(done: number, total: number, right: number, width = 30): string {
  const filled = total > 0 ? Math.round(width * done / total) : width;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} right ${right}`;
}
