/**
 * Runs an external program to completion and returns its stdout, throwing with its stderr on
 * failure. `asPostgres` runs it as the `postgres` OS user (via `runuser`) when we are root,
 * because PostgreSQL's server programs refuse to run as root.
 */

export interface RunOptions {
  /** Text written to the program's stdin (closed right after). */
  stdin?: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Run as the `postgres` OS user when the current process is root. */
  asPostgres?: boolean;
}

/** True when this process runs as root (PostgreSQL server programs must then switch user). */
export function isRoot(): boolean {
  return Deno.uid() === 0;
}

export async function run(program: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const [cmd, argv] = opts.asPostgres && isRoot()
    ? ["runuser", ["-u", "postgres", "--", program, ...args]]
    : [program, args];
  const child = new Deno.Command(cmd, {
    args: argv,
    cwd: opts.cwd,
    env: opts.env,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Read the output while writing stdin, so a chatty program cannot deadlock on a full pipe.
  const output = child.output();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(opts.stdin));
      await writer.close();
    } catch {
      // The program exited early (e.g. a bad connection); its stderr says why.
    }
  }
  const { code, stdout, stderr } = await output;
  const out = new TextDecoder().decode(stdout);
  if (code !== 0) {
    const err = new TextDecoder().decode(stderr).trim();
    throw new Error(`${program} ${args.join(" ")} exited with ${code}: ${err || out.trim()}`);
  }
  return out;
}

/** Gives `path` to the `postgres` OS user (for directories its server programs write to). */
export async function chownToPostgres(path: string): Promise<void> {
  const passwd = await Deno.readTextFile("/etc/passwd");
  const entry = passwd.split("\n").find((line) => line.startsWith("postgres:"));
  if (!entry) throw new Error("running as root, but there is no `postgres` OS user");
  const [, , uid, gid] = entry.split(":");
  await Deno.chown(path, Number(uid), Number(gid));
}
