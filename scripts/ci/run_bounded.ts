/**
 * Runs a program to completion within a time limit, its output kept (and passed through unless
 * `quiet`), and kills it by PID (SIGTERM, then SIGKILL) when the limit is reached.
 */
export interface BoundedRun {
  code: number;
  /** stdout and stderr as they came, for the caller to read. */
  output: string;
  timedOut: boolean;
}

export interface BoundedOptions {
  args: string[];
  limitMs: number;
  env?: Record<string, string>;
  cwd?: string;
  /** Keep the output without echoing it (the caller shows it when something fails). */
  quiet?: boolean;
}

export async function runBounded(program: string, opts: BoundedOptions): Promise<BoundedRun> {
  const child = new Deno.Command(program, {
    args: opts.args,
    env: opts.env,
    cwd: opts.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const pass = async (stream: ReadableStream<Uint8Array>, to: typeof Deno.stdout) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      if (!opts.quiet) await to.write(chunk);
    }
  };
  const piped = Promise.all([pass(child.stdout, Deno.stdout), pass(child.stderr, Deno.stderr)]);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill(child.pid, "SIGTERM");
    setTimeout(() => kill(child.pid, "SIGKILL"), 5_000);
  }, opts.limitMs);
  const status = await child.status;
  clearTimeout(timer);
  await piped;
  return { code: timedOut ? 124 : status.code, output, timedOut };
}

function kill(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch { /* already gone */ }
}
