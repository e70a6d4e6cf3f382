/** The command line of `deno task bench`. */
import { MODE_NAMES, type ModeName } from "./session.ts";

/** Workloads that can be picked with --only, in the order they run. */
export const WORKLOAD_NAMES = [
  "cold",
  "ping",
  "http",
  "select1",
  "pk",
  "pk8",
  "rows10k",
  "rows100k",
  "costgate",
  "imports",
] as const;

export type WorkloadName = typeof WORKLOAD_NAMES[number];

export interface Options {
  only: ReadonlySet<WorkloadName>;
  /** In report order (raw, reference, stdio, http), whatever the order given. */
  modes: readonly ModeName[];
  json?: string;
  help: boolean;
}

export const USAGE = `deno task bench [--only ${WORKLOAD_NAMES.join(",")}]
                [--modes ${MODE_NAMES.join(",")}] [--json FILE]

  --only   workloads to run (default: all). rows100k includes the peak RSS; http is the cost of
           the per-request server in HTTP mode; costgate runs SELECT 1 and the sequential lookups
           again on a pg-mcp with SECURITY_MAX_QUERY_COST set (never reached), in turns with the
           one without; imports times the module graph of main.ts.
  --modes  what to measure (default: all): the raw driver (postgres.js in this process), the
           reference server (@modelcontextprotocol/server-postgres), pg-mcp over stdio and HTTP.
  --json   also write every figure to FILE.

Database: a throwaway cluster on 127.0.0.1, or the server of BENCH_DATABASE_URL (else
TEST_DATABASE_URL), a superuser URL: a database is created there and dropped at the end.`;

export type Parsed = { ok: true; value: Options } | { ok: false; message: string };

export function parseOptions(args: readonly string[]): Parsed {
  let only: Set<WorkloadName> = new Set(WORKLOAD_NAMES);
  let modes: Set<ModeName> = new Set(MODE_NAMES);
  let json: string | undefined;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].includes("=") ? args[i].split(/=(.*)/s, 2) : [args[i]];
    const value = () => inline ?? args[++i];
    if (flag === "--help" || flag === "-h") help = true;
    else if (flag === "--only") {
      const picked = list(value(), WORKLOAD_NAMES, "--only");
      if (!picked.ok) return picked;
      only = picked.value;
    } else if (flag === "--modes") {
      const picked = list(value(), MODE_NAMES, "--modes");
      if (!picked.ok) return picked;
      modes = picked.value;
    } else if (flag === "--json") {
      json = value();
      if (!json) return { ok: false, message: "Cannot read --json: it needs a file name" };
    } else return { ok: false, message: `Cannot read the argument "${args[i]}": unknown` };
  }
  return {
    ok: true,
    value: { only, modes: MODE_NAMES.filter((m) => modes.has(m)), json, help },
  };
}

function list<T extends string>(
  text: string | undefined,
  allowed: readonly T[],
  flag: string,
): { ok: true; value: Set<T> } | { ok: false; message: string } {
  const names = (text ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) {
    return { ok: false, message: `Cannot read ${flag}: it needs one of ${allowed.join(",")}` };
  }
  const unknown = names.find((n) => !(allowed as readonly string[]).includes(n));
  if (unknown !== undefined) {
    return {
      ok: false,
      message: `Cannot read ${flag}: "${unknown}" is not one of ${allowed.join(",")}`,
    };
  }
  return { ok: true, value: new Set(names as T[]) };
}
