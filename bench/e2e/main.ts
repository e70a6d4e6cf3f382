/**
 * `deno task bench`: pg-mcp as a black box (a process spoken to over MCP stdio and Streamable
 * HTTP) against the reference server and the raw driver, on one generated dataset, in one run.
 * The tables go to stdout, progress to stderr; --json FILE writes every figure.
 */
import denoJson from "../../deno.json" with { type: "json" };
import { measureColdStart } from "./cold_start.ts";
import { measureCostGate } from "./cost_gate.ts";
import { openBenchDatabase } from "./database.ts";
import { TABLE_ROWS } from "./dataset.ts";
import { GOALS, outcome } from "./goals.ts";
import { type ImportTiming, probeImports, renderImports } from "./import_probe.ts";
import type { Results } from "./metrics.ts";
import { pgMcpHttp } from "./mode_http.ts";
import { rawDriver } from "./mode_raw.ts";
import { pgMcpStdio, REFERENCE_SPECIFIER, referenceServer } from "./mode_stdio.ts";
import { parseOptions, USAGE } from "./options.ts";
import { renderReport } from "./report.ts";
import { COST_GATE_ENV, pgMcpEnv } from "./server_env.ts";
import type { Mode, ModeName, Session } from "./session.ts";
import { SESSION_WORKLOADS } from "./workloads.ts";

const encoder = new TextEncoder();
const out = (text: string) => Deno.stdout.writeSync(encoder.encode(text + "\n"));
const progress = (text: string) => Deno.stderr.writeSync(encoder.encode(`bench: ${text}\n`));

const MODES: Record<ModeName, Mode> = {
  raw: rawDriver,
  reference: referenceServer,
  stdio: pgMcpStdio,
  http: pgMcpHttp,
};

const parsed = parseOptions(Deno.args);
if (!parsed.ok) {
  Deno.stderr.writeSync(encoder.encode(`${parsed.message}\n\n${USAGE}\n`));
  Deno.exit(2);
}
const options = parsed.value;
if (options.help) {
  out(USAGE);
  Deno.exit(0);
}

const started = performance.now();
const results: Results = {};
let imports: ImportTiming[] | undefined;
const modes = options.modes.map((m) => MODES[m]);
const external = Deno.env.get("BENCH_DATABASE_URL") || Deno.env.get("TEST_DATABASE_URL");
{
  progress(external ? "creating the dataset" : "starting PostgreSQL and creating the dataset");
  await using db = await openBenchDatabase(external || undefined);
  if (options.only.has("cold")) {
    await measureColdStart(modes.filter((m) => m.name !== "raw"), db.url, results, progress);
  }
  const sessionWork = Object.entries(SESSION_WORKLOADS).filter(([name]) =>
    options.only.has(name as keyof typeof SESSION_WORKLOADS)
  );
  if (sessionWork.length > 0 || options.only.has("costgate")) {
    const sessions: Session[] = [];
    try {
      for (const mode of modes) {
        progress(`starting ${mode.name}`);
        sessions.push(await mode.open(db.url));
      }
      for (const [, workload] of sessionWork) await workload!(sessions, results, progress);
      if (options.only.has("costgate")) {
        const openGated = (mode: ModeName) => MODES[mode].open(db.url, { ...COST_GATE_ENV });
        await measureCostGate(sessions, openGated, results, progress);
      }
    } finally {
      for (const s of sessions) await s.close().catch(() => undefined);
    }
  }
}
if (options.only.has("imports")) imports = await probeImports(progress);
const seconds = (performance.now() - started) / 1000;
progress(`done in ${seconds.toFixed(0)} s`);

const meta = {
  date: new Date().toISOString(),
  deno: Deno.version.deno,
  cpus: navigator.hardwareConcurrency,
  pg_mcp_version: denoJson.version,
  git_commit: await gitCommit(),
  reference: REFERENCE_SPECIFIER,
  raw_driver: denoJson.imports.postgres,
  dataset_rows: TABLE_ROWS,
  database: external ? "BENCH_DATABASE_URL/TEST_DATABASE_URL server" : "throwaway cluster",
  pg_mcp_env: Object.keys(pgMcpEnv("")).filter((k) => k !== "DATABASE_URL").map((k) =>
    `${k}=${pgMcpEnv("")[k]}`
  ),
  cost_gate_env: Object.entries(COST_GATE_ENV).map(([k, v]) => `${k}=${v}`),
  seconds,
};
out(`# pg-mcp benchmark (${meta.date}, commit ${meta.git_commit}, ${meta.cpus} CPUs)\n`);
out(renderReport(results, options.modes));
if (imports) out(`\n${renderImports(imports)}`);
if (options.json) {
  const goals = GOALS.flatMap((g) =>
    (["stdio", "http"] as const).filter((m) => options.modes.includes(m)).map((mode) => ({
      metric: g.metric,
      mode,
      target: g.text,
      outcome: outcome(g, results, mode),
    }))
  );
  await Deno.writeTextFile(
    options.json,
    JSON.stringify({ meta, results, goals, imports }, null, 2) + "\n",
  );
}

async function gitCommit(): Promise<string> {
  const run = await new Deno.Command("git", { args: ["rev-parse", "--short", "HEAD"] }).output()
    .catch(() => undefined);
  const sha = run?.success ? new TextDecoder().decode(run.stdout).trim() : "unknown";
  const dirty = await new Deno.Command("git", { args: ["status", "--porcelain"] }).output()
    .catch(() => undefined);
  return dirty?.success && dirty.stdout.length > 0 ? `${sha}+changes` : sha;
}
