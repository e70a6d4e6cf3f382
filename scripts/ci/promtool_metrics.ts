/**
 * `promtool check metrics` on a live scrape: main.ts in HTTP mode (the binary's flags, a
 * throwaway cluster) answers a few tool calls, so counters and histograms carry samples, then its
 * metrics endpoint (OBSERVABILITY_METRICS_PORT, else /metrics on the MCP port) is linted.
 *
 *   deno run -A scripts/ci/promtool_metrics.ts
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type HttpServerProcess, startHttpServer } from "../../tests/support/spawn_server.ts";
import { startTestCluster } from "../../tests/support/test_cluster.ts";

const LIMIT_MS = 30_000;

function say(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}

/** A few calls that count: an answer, a refusal, a schema read. */
async function exercise(baseUrl: string): Promise<void> {
  const client = new Client({ name: "pg-mcp-promtool", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
  try {
    await client.callTool({ name: "execute_sql", arguments: { sql: "SELECT 1 AS one" } });
    await client.callTool({ name: "execute_sql", arguments: { sql: "DROP TABLE pg_mcp_x" } });
    await client.callTool({ name: "list_schemas", arguments: {} });
  } finally {
    await client.close();
  }
}

/** The metrics server's URL from its start-up log line, waited for; else the MCP port's. */
async function metricsUrl(server: HttpServerProcess): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    for (const line of server.stderr) {
      const url = /"event":"metrics\.started".*"url":"([^"]+)"/.exec(line)?.[1];
      if (url) return url;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return `${server.baseUrl}/metrics`;
}

async function promtool(text: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: out.code, output: (dec.decode(out.stdout) + dec.decode(out.stderr)).trim() };
}

async function main(): Promise<number> {
  const cluster = await startTestCluster();
  try {
    await using server = await startHttpServer({ DATABASE_URL: cluster.urlFor("postgres") });
    await exercise(server.baseUrl);
    const url = await metricsUrl(server);
    const res = await fetch(url, { signal: AbortSignal.timeout(LIMIT_MS) });
    const text = await res.text();
    const families = text.split("\n").filter((l) => l.startsWith("# TYPE ")).length;
    if (res.status !== 200 || families === 0) {
      say(`FAILED promtool: GET ${url} answered ${res.status} with ${families} metric families`);
      return 1;
    }
    const lint = await promtool(text);
    if (lint.output) say(lint.output);
    say(
      `${lint.code === 0 ? "ok" : "FAILED"} promtool check metrics: ${families} families ` +
        `from ${new URL(url).pathname} (exit ${lint.code})`,
    );
    return lint.code === 0 ? 0 : 1;
  } finally {
    await cluster.stop();
  }
}

if (import.meta.main) Deno.exit(await main());
