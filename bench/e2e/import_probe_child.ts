/**
 * Child of the import probe: loads one heavy module in a fresh process and prints
 * `{"ms": <time of the dynamic import>}` on stdout. `none` loads nothing (the baseline).
 *
 *   deno run <the binary's flags> bench/e2e/import_probe_child.ts <target>
 */

/**
 * The heavy modules of main.ts's graph: those `initialize` + `tools/list` need (the SDK, zod,
 * @opentelemetry/api) and those it imports lazily (libpg-query, openai, prom-client, postgres,
 * dotenv; gpt-tokenizer is the benchmarks' only).
 */
export const IMPORT_TARGETS: Record<string, () => Promise<unknown>> = {
  none: () => Promise.resolve(),
  "libpg-query (module)": () => import("libpg-query"),
  "libpg-query (module + WASM)": async () => await (await import("libpg-query")).loadModule(),
  "openai": () => import("openai"),
  "prom-client": () => import("prom-client"),
  "zod": () => import("zod"),
  "@modelcontextprotocol/sdk (types.js)": () => import("@modelcontextprotocol/sdk/types.js"),
  "@modelcontextprotocol/sdk (McpServer)": () => import("@modelcontextprotocol/sdk/server/mcp.js"),
  "@opentelemetry/api": () => import("@opentelemetry/api"),
  "postgres": () => import("postgres"),
  "gpt-tokenizer": () => import("gpt-tokenizer"),
  "dotenv": () => import("dotenv"),
};

if (import.meta.main) {
  const load = IMPORT_TARGETS[Deno.args[0]];
  if (!load) {
    Deno.stderr.writeSync(new TextEncoder().encode(`Cannot probe "${Deno.args[0]}": unknown\n`));
    Deno.exit(2);
  }
  const t0 = performance.now();
  await load();
  const ms = performance.now() - t0;
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify({ ms }) + "\n"));
  Deno.exit(0); // some modules keep timers alive
}
