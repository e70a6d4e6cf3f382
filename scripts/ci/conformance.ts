/**
 * The official MCP conformance suite against pg-mcp's HTTP mode (main.ts with the binary's flags,
 * on a free loopback port, against a throwaway cluster holding a sample database).
 *
 * tests/conformance/expected-failures.yml lists the scenarios that fail today. The suite itself
 * enforces the baseline: a scenario failing that is not listed fails the check, and so does a
 * listed one that passes (the list may only shrink: remove the entry it names).
 *
 *   deno run -A scripts/ci/conformance.ts
 */
import { loadSample } from "../../tests/support/samples.ts";
import { ROOT, startHttpServer } from "../../tests/support/spawn_server.ts";
import { startTestCluster } from "../../tests/support/test_cluster.ts";
import { runBounded } from "./run_bounded.ts";
import { CONFORMANCE, toolArgs } from "./tools.ts";

const BASELINE = `${ROOT}tests/conformance/expected-failures.yml`;
const LIMIT_MS = 240_000;

async function main(): Promise<number> {
  const cluster = await startTestCluster();
  try {
    const dbUrl = await loadSample(cluster, "pgexercises");
    await using server = await startHttpServer({
      DATABASE_URL: dbUrl,
      OBSERVABILITY_METRICS_ENABLED: "false",
    });
    const results = await Deno.makeTempDir({ prefix: "pg_mcp_conformance_" });
    try {
      const run = await runBounded(Deno.execPath(), {
        args: toolArgs(
          CONFORMANCE,
          ...["server", "--url", `${server.baseUrl}/mcp`],
          ...["--expected-failures", BASELINE, "--output-dir", results],
        ),
        limitMs: LIMIT_MS,
      });
      if (run.timedOut) say(`conformance: no result within ${LIMIT_MS / 1000} s`);
      return run.code;
    } finally {
      await Deno.remove(results, { recursive: true }).catch(() => undefined);
    }
  } finally {
    await cluster.stop();
  }
}

function say(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}

if (import.meta.main) Deno.exit(await main());
