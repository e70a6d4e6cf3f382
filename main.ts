import denoJson from "./deno.json" with { type: "json" };
import { createApp } from "./src/app.ts";
import { ENV_VARS, loadConfig } from "./src/config/load_config.ts";
import { readEnv } from "./src/config/read_env.ts";
import { AppError } from "./src/errors.ts";
import { createLogger } from "./src/log.ts";
import { createMcpServer } from "./src/mcp/server.ts";
import { StdioServerTransport } from "./src/mcp/sdk.ts";

const encoder = new TextEncoder();
const config = loadConfig(await readEnv(ENV_VARS));
if (!config.ok) {
  Deno.stderr.writeSync(encoder.encode(`pg-mcp: ${config.error.message}\n`));
  Deno.exit(2);
}
const cfg = config.value;
const log = createLogger({
  level: cfg.observability.logLevel,
  format: cfg.observability.logFormat,
});
const app = await createApp(cfg, log, denoJson.version).catch((error) => {
  if (!(error instanceof AppError)) throw error;
  Deno.stderr.writeSync(encoder.encode(`pg-mcp: ${error.message}\n`));
  Deno.exit(2);
});
const server = createMcpServer(app.deps);

let stopping = false;
async function stop(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("server.stopping", { reason });
  await server.close().catch(() => undefined);
  await app.close().catch(() => undefined);
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));

const transport = new StdioServerTransport();
transport.onclose = () => void stop("stdin closed");
await server.connect(transport);
log.info("server.started", { transport: "stdio", version: denoJson.version });
