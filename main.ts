import denoJson from "./deno.json" with { type: "json" };
import { createApp } from "./src/app.ts";
import { parseCommand, usage } from "./src/cli/args.ts";
import { canBind, formatReport, runDoctor } from "./src/cli/doctor.ts";
import { serve } from "./src/cli/serve.ts";
import type { Config } from "./src/config/config.ts";
import { type Env, ENV_VARS, loadConfig, NAMED_DATABASE_URL } from "./src/config/load_config.ts";
import { readEnv } from "./src/config/read_env.ts";
import { CACHE_ENV_VARS, userCacheDir } from "./src/demo/cache_location.ts";
import { demoConfig, demoDatabase } from "./src/demo/demo_config.ts";
import { startDemoDatabase } from "./src/demo/demo_database.ts";
import { AppError } from "./src/errors.ts";
import { isLoopback } from "./src/http/origin.ts";
import { createLlmClient } from "./src/llm/llm_client.ts";
import { createLogger, type Logger } from "./src/log.ts";

const encoder = new TextEncoder();
const version = denoJson.version;

/**
 * How long after serving starts the app loads and opens what `initialize` and `tools/list` do
 * not need (the SQL parser's WASM, prom-client, the pools' first connections, the schemas, the
 * role check): a client's handshake is over by then, so the work does not delay it, and a call
 * that comes first loads or opens what it needs itself.
 */
const WARM_UP_DELAY_MS = 300;

/** One clean line on stderr and exit status 2: bad configuration, never a stack trace. */
function refuseToStart(message: string): never {
  Deno.stderr.writeSync(encoder.encode(`pg-mcp: ${message}\n`));
  Deno.exit(2);
}

function print(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text));
}

async function configure(): Promise<{ cfg: Config; env: Env }> {
  const env = await readEnv([...ENV_VARS, ...CACHE_ENV_VARS], { dynamic: NAMED_DATABASE_URL });
  if (!env.ok) refuseToStart(env.error.message);
  const config = loadConfig(env.value);
  if (!config.ok) refuseToStart(config.error.message);
  return { cfg: config.value, env: env.value };
}

/**
 * The app, or one clean line and exit 2 (a bad LLM_EXAMPLES_FILE names its line). With no
 * database configured it serves the embedded demo database: started here (its URL answers at
 * once; connections wait while it loads, from the user's cache after the first start), closed
 * with the app.
 */
async function build(cfg: Config, env: Env, log: Logger) {
  const fail = (error: unknown): never => {
    if (!(error instanceof AppError)) throw error;
    refuseToStart(error.message);
  };
  if (!cfg.demo) return await createApp(cfg, log, version).catch(fail);
  const served = demoConfig(cfg);
  if (!served.ok) refuseToStart(served.error.message);
  for (const warning of served.value.warnings) log.warn("demo.setting_ignored", { warning });
  const demo = await startDemoDatabase({
    log,
    cacheDir: userCacheDir(env, Deno.build.os),
    statementTimeoutMs: cfg.security.maxExecutionTimeS * 1000,
  });
  log.info("demo.started", { message: demo.description }); // demo.ready follows (or an error)
  const app = await createApp(served.value.config, log, version, {
    databases: [demoDatabase(demo.url, cfg.pool)],
  }).catch(async (error) => {
    await demo.close();
    return fail(error);
  });
  return {
    ...app,
    async close() {
      await app.close();
      await demo.close();
    },
  };
}

async function doctor(): Promise<never> {
  const { cfg, env } = await configure();
  const log = createLogger({ level: "ERROR", format: cfg.observability.logFormat });
  const app = await build(cfg, env, log);
  const report = await runDoctor({
    config: cfg,
    app,
    llm: createLlmClient(cfg.llm, log, { maxRetries: 0 }),
    canBind,
  });
  print(formatReport(report.checks, report.usable));
  await app.close().catch(() => undefined);
  Deno.exit(report.usable ? 0 : 1);
}

async function run(): Promise<void> {
  const { cfg, env } = await configure();
  const log = createLogger({
    level: cfg.observability.logLevel,
    format: cfg.observability.logFormat,
  });
  if (cfg.server.transport === "http" && !isLoopback(cfg.server.host)) {
    if (cfg.server.authTokens.length === 0 && !cfg.server.allowUnauthenticated) {
      refuseToStart(
        `Cannot serve HTTP on ${cfg.server.host} without a token: set MCP_HTTP_AUTH_TOKEN, or ` +
          "MCP_HTTP_ALLOW_UNAUTHENTICATED=true behind a proxy that authenticates",
      );
    }
    if (cfg.server.authTokens.length === 0) {
      log.warn("http.unauthenticated", {
        host: cfg.server.host,
        hint: "MCP_HTTP_ALLOW_UNAUTHENTICATED=true: anyone who reaches this address can query",
      });
    }
  }
  const app = await build(cfg, env, log);
  // Role check: a warning in the logs (with the warm-up, not delaying the start); with
  // SECURITY_REQUIRE_READONLY_ROLE=true it runs first and a role that can write exits with 2.
  if (cfg.security.requireReadonlyRole) {
    const roles = await app.checkRoles();
    if (!roles.ok) {
      await app.close().catch(() => undefined);
      refuseToStart(roles.error.message);
    }
  }

  let serving: Awaited<ReturnType<typeof serve>> | undefined;
  let stopping = false;
  /** Closes listeners and pools, then exits; never takes more than ~1.5 s. */
  const stop = async (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info("server.stopping", { reason });
    setTimeout(() => Deno.exit(code), 1_500);
    await serving?.stop();
    await app.close().catch(() => undefined);
    Deno.exit(code);
  };
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
  try {
    serving = await serve(app, cfg, log, version);
  } catch (error) {
    await app.close().catch(() => undefined);
    refuseToStart(
      `Cannot listen on ${cfg.server.host}:${cfg.server.port}: ${(error as Error).message}`,
    );
  }
  void serving.ended.then((code) => stop(code === 0 ? "stdin closed" : "stdio failed", code));
  Deno.unrefTimer(setTimeout(() => {
    void app.warmUp();
    // The demo's only role is its superuser: a warning about it would only be noise.
    if (!cfg.security.requireReadonlyRole && !cfg.demo) void app.checkRoles();
  }, WARM_UP_DELAY_MS));
}

const command = parseCommand(Deno.args);
switch (command.kind) {
  case "help":
    print(usage(version));
    break;
  case "version":
    print(`pg-mcp ${version}\n`);
    break;
  case "invalid":
    refuseToStart(command.message);
    break;
  case "doctor":
    await doctor();
    break;
  case "serve":
    await run();
}
