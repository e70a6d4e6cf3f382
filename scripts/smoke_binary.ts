/**
 * Smoke-tests a pg-mcp executable against a live PostgreSQL, as the release workflow does for each
 * Linux binary before publishing it: over stdio and then over Streamable HTTP on a free loopback
 * port, the official MCP client runs initialize, tools/list, one execute_sql and one refused call.
 *
 *   deno run -A scripts/smoke_binary.ts --command dist/pg-mcp-x86_64-unknown-linux-gnu \
 *     --database-url postgres://postgres:postgres@127.0.0.1:5432/postgres --cwd "$(mktemp -d)"
 *   deno run -A scripts/smoke_binary.ts --command "deno run <the compile task's flags> main.ts" \
 *     --database-url ...
 *
 * `--command` is split on spaces (no quoting). `--cwd` is where the executable starts (default:
 * here); an empty directory is how systemd and Claude Desktop start it. Prints one line per check
 * and exits 0, or 1 at the first failed check. Bounded: each step times out.
 */
import { parseArgs } from "node:util";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const STEP_MS = 30_000;
const EXPECTED_TOOLS = ["execute_sql", "query", "list_schemas", "list_tables", "describe_table"];

interface Options {
  command: string[];
  databaseUrl: string;
  cwd: string;
}

function say(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}

/** Rejects after `ms` with what was being waited for. */
function within<T>(what: string, promise: Promise<T>, ms = STEP_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** The pg-mcp variables of a test run; nothing else of this process reaches the child. */
function childEnv(opts: Options, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {
    DATABASE_URL: opts.databaseUrl,
    OBSERVABILITY_METRICS_PORT: "0",
    OBSERVABILITY_LOG_LEVEL: "WARNING",
    ...extra,
  };
  for (const name of ["PATH", "HOME", "DENO_DIR", "TMPDIR", "SYSTEMROOT"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

interface ResultData {
  data?: { columns?: (string | { name: string })[]; rows?: unknown[] };
}

/** The first row of a result as { column: value }, rows being arrays or objects. */
function firstRow(content: unknown): Record<string, unknown> | undefined {
  const data = (content as ResultData | undefined)?.data;
  const row = data?.rows?.[0];
  if (!Array.isArray(row)) return row as Record<string, unknown> | undefined;
  const names = (data?.columns ?? []).map((c) => typeof c === "string" ? c : c.name);
  return Object.fromEntries(names.map((name, i) => [name, row[i]]));
}

/** initialize (done by connect), tools/list, one execute_sql, one refused call. */
async function exercise(client: Client, transport: string): Promise<void> {
  const server = client.getServerVersion();
  check(server?.name === "pg-mcp", `initialize: server is ${JSON.stringify(server)}`);
  say(`ok ${transport} initialize: ${server?.name} ${server?.version}`);

  const { tools } = await within("tools/list", client.listTools());
  const names = tools.map((t) => t.name);
  const missing = EXPECTED_TOOLS.filter((n) => !names.includes(n));
  check(missing.length === 0, `tools/list lacks ${missing.join(", ")}: got ${names.join(", ")}`);
  say(`ok ${transport} tools/list: ${names.join(", ")}`);

  const sql = "SELECT 41 + 1 AS answer, current_setting('transaction_read_only') AS read_only";
  const run = await within(
    "execute_sql",
    client.callTool({ name: "execute_sql", arguments: { sql } }),
  );
  const row = firstRow(run.structuredContent);
  check(!run.isError && row?.answer === 42, `execute_sql: ${JSON.stringify(run)}`);
  check(
    row?.read_only === "on",
    `execute_sql ran outside a read-only transaction: ${row?.read_only}`,
  );
  say(`ok ${transport} execute_sql: answer ${row?.answer}, read-only transaction`);

  const refused = await within(
    "execute_sql (refused)",
    client.callTool({ name: "execute_sql", arguments: { sql: "DROP TABLE pg_mcp_smoke" } }),
  );
  const code = (refused.structuredContent as { error?: { code?: string } } | undefined)?.error
    ?.code;
  check(
    refused.isError === true && code === "SECURITY_VIOLATION",
    `refusal: ${JSON.stringify(refused)}`,
  );
  say(`ok ${transport} refused DROP TABLE: ${code}`);
}

async function smokeStdio(opts: Options): Promise<void> {
  const [command, ...args] = opts.command;
  const transport = new StdioClientTransport({
    command,
    args,
    cwd: opts.cwd,
    env: childEnv(opts, { MCP_TRANSPORT: "stdio" }),
    stderr: "inherit",
  });
  const client = new Client({ name: "pg-mcp-smoke", version: "1.0.0" });
  try {
    await within("stdio initialize", client.connect(transport));
    await exercise(client, "stdio");
  } finally {
    await within("stdio close", client.close(), 10_000).catch(() => undefined);
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Polls GET /health until 200, the process exits, or time runs out. */
async function waitHealthy(
  base: string,
  headers: Record<string, string>,
  status: Promise<Deno.CommandStatus>,
): Promise<void> {
  let exited: Deno.CommandStatus | undefined;
  status.then((s) => exited = s);
  const deadline = Date.now() + STEP_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the server exited with status ${exited.code} before answering`);
    const res = await fetch(`${base}/health`, { headers, signal: AbortSignal.timeout(2_000) })
      .catch(() => undefined);
    await res?.body?.cancel();
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`GET ${base}/health: not 200 within ${STEP_MS} ms`);
}

/** Over HTTP with a bearer token, as a service listening beyond loopback must be run. */
async function smokeHttp(opts: Options): Promise<void> {
  const port = freePort();
  const token = crypto.randomUUID();
  const headers = { authorization: `Bearer ${token}` };
  const [command, ...args] = opts.command;
  const child = new Deno.Command(command, {
    args,
    cwd: opts.cwd,
    clearEnv: true,
    env: childEnv(opts, {
      MCP_TRANSPORT: "http",
      MCP_HTTP_HOST: "127.0.0.1",
      MCP_HTTP_PORT: String(port),
      MCP_HTTP_AUTH_TOKEN: token,
    }),
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const base = `http://127.0.0.1:${port}`;
  const client = new Client({ name: "pg-mcp-smoke", version: "1.0.0" });
  try {
    await waitHealthy(base, headers, child.status);
    say(`ok http GET /health: 200`);
    await within(
      "http initialize",
      client.connect(
        new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } }),
      ),
    );
    await exercise(client, "http");
  } finally {
    await client.close().catch(() => undefined);
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const stopped = await within("server stop", child.status, 10_000).catch(() => undefined);
    if (!stopped) child.kill("SIGKILL");
  }
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      command: { type: "string" },
      "database-url": { type: "string" },
      cwd: { type: "string" },
    },
  });
  if (!values.command || !values["database-url"]) {
    throw new Error("usage: smoke_binary.ts --command CMD --database-url URL [--cwd DIR]");
  }
  return {
    command: values.command.split(" ").filter((a) => a.length > 0),
    databaseUrl: values["database-url"],
    cwd: values.cwd ?? Deno.cwd(),
  };
}

if (import.meta.main) {
  try {
    const opts = parseOptions(Deno.args);
    await smokeStdio(opts);
    await smokeHttp(opts);
    say("smoke test passed");
  } catch (error) {
    say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
