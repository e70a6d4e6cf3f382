/**
 * The MCP Inspector's CLI against pg-mcp over stdio (main.ts with the binary's flags, a throwaway
 * cluster): tools/list with --strict (tool-schema portability: no error, no warning), one
 * execute_sql that returns a row, one refused call. Each call initializes its own session.
 *
 *   deno run -A scripts/ci/inspector_smoke.ts
 */
import { serverCommand } from "../../tests/support/spawn_server.ts";
import { startTestCluster } from "../../tests/support/test_cluster.ts";
import { type BoundedRun, runBounded } from "./run_bounded.ts";
import { INSPECTOR, toolArgs } from "./tools.ts";

const LIMIT_MS = 90_000;
/** The Inspector's exit status when a tool answers isError: true. */
const TOOL_IS_ERROR = 5;

function say(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}

async function main(): Promise<number> {
  const cluster = await startTestCluster();
  try {
    const env = [
      `DATABASE_URL=${cluster.urlFor("postgres")}`,
      "OBSERVABILITY_METRICS_ENABLED=false",
    ];
    const dir = Deno.env.get("DENO_DIR");
    if (dir) env.push(`DENO_DIR=${dir}`); // the Inspector passes the child only PATH, HOME and a few
    const server = serverCommand();
    const inspect = (...method: string[]): Promise<BoundedRun> =>
      runBounded(Deno.execPath(), {
        args: [
          ...toolArgs(INSPECTOR, "--cli", "--cwd", server.cwd, ...env.flatMap((e) => ["-e", e])),
          ...method,
          ...["--", server.command, ...server.args],
        ],
        limitMs: LIMIT_MS,
        quiet: true,
      });
    const failures: string[] = [];
    const expect = (ok: boolean, what: string, run: BoundedRun) => {
      if (!ok) say(run.output);
      say(`${ok ? "ok" : "FAILED"} inspector ${what}`);
      if (!ok) failures.push(what);
    };

    const list = await inspect("--method", "tools/list", "--strict");
    const lines = list.output.split("\n");
    const errors = lines.filter((l) => /^Error\b/.test(l)).length;
    const warnings = lines.filter((l) => /^Warning\b/.test(l)).length;
    // Each problem: "Warning: tool "x"" (or "Error: ..."), then "  Path: ..." and "  Issue: ...".
    lines.forEach((l, i) => {
      if (/^(Warning|Error)\b/.test(l)) say(`  ${l} ${lines[i + 1]?.trim() ?? ""}`);
    });
    // No warning either: every sub-schema says what its value is (tests/output_schemas_test.ts).
    expect(
      list.code === 0 && errors === 0 && warnings === 0 && list.output.includes('"execute_sql"'),
      `initialize + tools/list --strict: exit ${list.code}, ${errors} errors, ${warnings} warnings`,
      list,
    );

    const sql = JSON.stringify({ sql: "SELECT 41 + 1 AS answer" });
    const call = await inspect(
      ...["--method", "tools/call", "--tool-name", "execute_sql", "--tool-args-json", sql],
    );
    expect(
      // Rows as objects ("answer": 42) or as arrays under "columns": ["answer"] ([[42]]).
      call.code === 0 && /"answer": 42\b|"rows": \[\s*\[\s*42\s*\]/.test(call.output),
      `tools/call execute_sql: exit ${call.code}`,
      call,
    );

    const drop = JSON.stringify({ sql: "DROP TABLE pg_mcp_smoke" });
    const refused = await inspect(
      ...["--method", "tools/call", "--tool-name", "execute_sql", "--tool-args-json", drop],
    );
    expect(
      refused.code === TOOL_IS_ERROR && refused.output.includes('"code": "SECURITY_VIOLATION"'),
      `tools/call execute_sql refused DROP TABLE: exit ${refused.code}`,
      refused,
    );
    return failures.length === 0 ? 0 : 1;
  } finally {
    await cluster.stop();
  }
}

if (import.meta.main) Deno.exit(await main());
