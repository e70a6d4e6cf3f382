import denoJson from "./deno.json" with { type: "json" };
import { createApp } from "./src/app.ts";
import { ENV_VARS, loadConfig, NAMED_DATABASE_URL } from "./src/config/load_config.ts";
import { readEnv } from "./src/config/read_env.ts";
import { AppError } from "./src/errors.ts";
import { createHttpAuth } from "./src/http/auth.ts";
import { livenessRoute, readinessRoute } from "./src/http/health.ts";
import { metricsRoute } from "./src/http/metrics.ts";
import { serveMetrics } from "./src/http/metrics_server.ts";
import { isLoopback } from "./src/http/origin.ts";
import { serveHttp } from "./src/http/serve.ts";
import { createLogger } from "./src/log.ts";
import { createMcpServer } from "./src/mcp/server.ts";
import { createStdioTransport } from "./src/mcp/stdio_transport.ts";

const encoder = new TextEncoder();
/** One clean line on stderr and exit status 2: bad configuration, never a stack trace. */
function refuseToStart(message: string): never {
  Deno.stderr.writeSync(encoder.encode(`pg-mcp: ${message}\n`));
  Deno.exit(2);
}

const env = await readEnv(ENV_VARS, { dynamic: NAMED_DATABASE_URL }).catch((error) =>
  refuseToStart(`Cannot read the settings file .env: ${(error as Error).message}`)
);
const config = loadConfig(env);
if (!config.ok) refuseToStart(config.error.message);
const cfg = config.value;
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
if (cfg.demo) {
  refuseToStart(
    "Cannot start: no database is configured; set DATABASE_URL (or DATABASE_* / PG*)",
  );
}

// A bad LLM_EXAMPLES_FILE is CONFIG_INVALID naming the line: one message, exit 2, like the config.
const app = await createApp(cfg, log, denoJson.version).catch((error) => {
  if (!(error instanceof AppError)) throw error;
  refuseToStart(error.message);
});
// Role check: a warning in the logs (in the background, not delaying the start); with
// SECURITY_REQUIRE_READONLY_ROLE=true it runs first and a role that can write exits with status 2.
if (cfg.security.requireReadonlyRole) {
  const roles = await app.checkRoles();
  if (!roles.ok) {
    await app.close().catch(() => undefined);
    refuseToStart(roles.error.message);
  }
} else void app.checkRoles();

const stops: (() => Promise<unknown>)[] = [];
let stopping = false;
/** Closes listeners and pools, then exits; never takes more than ~1.5 s. */
async function stop(reason: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("server.stopping", { reason });
  setTimeout(() => Deno.exit(code), 1_500);
  for (const s of stops) await s().catch(() => undefined);
  await app.close().catch(() => undefined);
  Deno.exit(code);
}
Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));

if (cfg.server.transport === "http") {
  const routes = {
    "/healthz": { handle: livenessRoute(denoJson.version), open: true },
    "/readyz": { handle: readinessRoute(app.databases, denoJson.version, app.llmCircuit) },
    "/health": { handle: readinessRoute(app.databases, denoJson.version, app.llmCircuit) },
    ...(cfg.observability.metricsEnabled
      ? { "/metrics": { handle: metricsRoute(app.metrics) } }
      : {}),
  };
  let http;
  try {
    http = serveHttp({
      host: cfg.server.host,
      port: cfg.server.port,
      auth: createHttpAuth(cfg.server.authTokens),
      allowedOrigins: cfg.server.allowedOrigins,
      allowedHosts: cfg.server.allowedHosts,
      maxMessageBytes: cfg.server.maxMessageBytes,
      createServer: (source) => createMcpServer(app.server, source),
      routes,
      log,
    });
  } catch (error) {
    await app.close().catch(() => undefined);
    refuseToStart(
      `Cannot listen on ${cfg.server.host}:${cfg.server.port}: ${(error as Error).message}`,
    );
  }
  stops.push(() => http.shutdown());
  log.info("server.started", {
    transport: "http",
    url: `${http.url}/mcp`,
    version: denoJson.version,
    databases: app.databases.names(),
  });
} else {
  const server = createMcpServer(app.server, { transport: "stdio", identity: "stdio" });
  const transport = createStdioTransport({ maxMessageBytes: cfg.server.maxMessageBytes });
  void transport.finished.then(({ failed }) =>
    stop(failed ? "stdio failed" : "stdin closed", failed ? 1 : 0)
  );
  stops.push(() => server.close());
  await server.connect(transport);
  log.info("server.started", {
    transport: "stdio",
    version: denoJson.version,
    databases: app.databases.names(),
  });
}

// Over HTTP, /metrics is a route of the MCP listener, behind its token; only stdio needs a port
// of its own (which would otherwise serve the metrics to anyone reaching MCP_HTTP_HOST).
if (cfg.observability.metricsEnabled && cfg.server.transport === "stdio") {
  const metrics = serveMetrics(
    cfg.server.host,
    cfg.observability.metricsPort,
    app.metrics,
    log,
  );
  if (metrics) stops.push(() => metrics.shutdown());
}
