/**
 * Spawns main.ts over stdio with exactly the permission flags the compiled binary gets (read from
 * the `compile` task in deno.json), and connects the official MCP client to it.
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import denoJson from "../../deno.json" with { type: "json" };
import { ENV_VARS } from "../../src/config/load_config.ts";

/** The project root: main.ts runs from here (its read permissions are relative). */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** The `--allow-*` / `--no-prompt` flags of the compile task, in order. */
export function binaryPermissionFlags(): string[] {
  return denoJson.tasks.compile.split(/\s+/).filter((a) =>
    a.startsWith("--allow-") || a.startsWith("--deny-") || a === "--no-prompt"
  );
}

/** How main.ts runs: Deno with the binary's flags, from the project root. */
export function serverCommand(): { command: string; args: string[]; cwd: string } {
  return {
    command: Deno.execPath(),
    args: ["run", ...binaryPermissionFlags(), "main.ts"],
    cwd: ROOT,
  };
}

export interface RunningServer extends AsyncDisposable {
  client: Client;
  /** Lines the server wrote to stderr so far. */
  stderr: string[];
  close(): Promise<void>;
}

/**
 * Only these reach the child: no variable of the test process leaks into its config, and every
 * pg-mcp variable is set (empty means unset) so a developer's .env file cannot either.
 */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = Object.fromEntries(ENV_VARS.map((n) => [n, ""]));
  env.OBSERVABILITY_METRICS_PORT = "0"; // a free port: test servers never contend for 9090
  return { ...env, ...hostEnv() };
}

/** What a Deno child needs of this process's environment (to find its cache), and nothing else. */
export function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "DENO_DIR", "TMPDIR"]) {
    const v = Deno.env.get(name);
    if (v !== undefined) env[name] = v;
  }
  return env;
}

/** The whole environment of a spawned main.ts: `baseEnv()` plus `env` (use with `clearEnv`). */
export function childEnv(env: Record<string, string>): Record<string, string> {
  return { ...baseEnv(), ...env };
}

export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const transport = new StdioClientTransport({
    ...serverCommand(),
    env: childEnv(env),
    stderr: "pipe",
  });
  const stderr: string[] = [];
  let buffered = "";
  transport.stderr?.on("data", (chunk: Uint8Array | string) => {
    buffered += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    stderr.push(...lines.filter((l) => l.length > 0));
  });
  const client = new Client({ name: "pg-mcp-tests", version: "1.0.0" });
  await client.connect(transport);
  const close = async () => {
    await client.close();
  };
  return { client, stderr, close, [Symbol.asyncDispose]: close };
}

export interface ExitedRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** A checkout to run main.ts from (its `.env` is read); the repository by default. */
  cwd?: string;
  /** A program and arguments that run deno, e.g. `["setpriv", "--bounding-set=-...", "--"]`. */
  wrapper?: string[];
  /**
   * A server that does not exit within this (it started when it should not have) gets SIGTERM,
   * so it ends with its own clean-stop status (0), never the refusal's 2. Default 30 s.
   */
  timeoutMs?: number;
}

/** Runs main.ts to completion (start-up failures, CLI commands) with the binary's flags. */
export async function runServerToExit(
  env: Record<string, string>,
  args: string[] = [],
  opts: RunOptions = {},
): Promise<ExitedRun> {
  const [program, ...wrapperArgs] = [...(opts.wrapper ?? []), Deno.execPath()];
  const out = await new Deno.Command(program, {
    args: [...wrapperArgs, "run", ...binaryPermissionFlags(), "main.ts", ...args],
    cwd: opts.cwd ?? ROOT,
    env: childEnv(env),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs `deno <args>` in the repository to completion: its exit code and decoded output. */
export async function runDeno(args: string[]): Promise<ExitedRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

export interface HttpServerProcess extends AsyncDisposable {
  /** e.g. http://127.0.0.1:PORT */
  baseUrl: string;
  /** The server process (for /proc/<pid>/status). */
  pid: number;
  stderr: string[];
  stop(): Promise<number>;
}

const STOP_GRACE_MS = 5_000;

/** Starts main.ts in HTTP mode on a free loopback port and waits for its start-up log line. */
export async function startHttpServer(env: Record<string, string>): Promise<HttpServerProcess> {
  const { command, args, cwd } = serverCommand();
  const child = new Deno.Command(command, {
    args,
    cwd,
    env: childEnv({
      MCP_TRANSPORT: "http",
      MCP_HTTP_HOST: "127.0.0.1",
      MCP_HTTP_PORT: "0",
      ...env,
    }),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).pipeThrough(splitLines());
  const reader = lines.getReader();
  let baseUrl = "";
  while (!baseUrl) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before listening: ${stderr.join("\n")}`);
    stderr.push(value);
    const url = /"url":"(http:\/\/[^"]+)\/mcp"/.exec(value)?.[1];
    if (url) baseUrl = url;
  }
  const drain = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stderr.push(value);
    }
  })();
  let stopped: Promise<number> | undefined;
  // SIGTERM, then SIGKILL if the server has not exited within STOP_GRACE_MS (a server with hung
  // requests may never finish its graceful shutdown): a broken server cannot hang the suite.
  const stop = () => {
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), STOP_GRACE_MS);
      });
      let status = await Promise.race([child.status, late]);
      clearTimeout(timer);
      if (status === null) {
        stderr.push(`(test) no exit ${STOP_GRACE_MS} ms after SIGTERM: SIGKILL`);
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        status = await child.status;
      }
      await drain;
      return status.code;
    })();
    return stopped;
  };
  return {
    baseUrl,
    pid: child.pid,
    stderr,
    stop,
    [Symbol.asyncDispose]: async () => void await stop(),
  };
}

function splitLines(): TransformStream<string, string> {
  let buffered = "";
  return new TransformStream({
    transform(chunk, controller) {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const p of parts) if (p) controller.enqueue(p);
    },
    flush(controller) {
      if (buffered) controller.enqueue(buffered);
    },
  });
}
