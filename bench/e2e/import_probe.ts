/**
 * Import time, to guide lazy loading: how long main.ts's module graph takes to load (main.ts run
 * with an invalid setting stops at the config check, right after its static imports are evaluated),
 * and what each heavy module costs on its own, each in a fresh process with the binary's flags.
 */
import { baseEnv, binaryPermissionFlags, serverCommand } from "../../tests/support/spawn_server.ts";
import { IMPORT_TARGETS } from "./import_probe_child.ts";
import { median } from "./measure.ts";
import type { Progress } from "./workloads.ts";

export interface ImportTiming {
  target: string;
  /** Median time of the dynamic import inside the process (undefined for main.ts). */
  importMs?: number;
  /** Median wall time of the whole process, spawn to exit. */
  processMs: number;
}

const CHILD = "bench/e2e/import_probe_child.ts";
export const MAIN_GRAPH = "main.ts (start to the config check, an invalid setting)";

/** A setting the config check refuses (exit 2), so main.ts stops right after its imports. */
const INVALID = { SECURITY_MAX_ROWS: "not-a-number" };

export async function probeImports(progress: Progress, runs = 3): Promise<ImportTiming[]> {
  const targets = [...Object.keys(IMPORT_TARGETS), MAIN_GRAPH];
  const imports = new Map<string, number[]>(targets.map((t) => [t, []]));
  const walls = new Map<string, number[]>(targets.map((t) => [t, []]));
  for (let run = 0; run <= runs; run++) { // run 0 warms Deno's caches
    progress(run === 0 ? "imports (warm-up)" : `imports ${run}/${runs}`);
    for (const target of targets) {
      const { importMs, wallMs } = await runProbe(target);
      if (run === 0) continue;
      walls.get(target)!.push(wallMs);
      if (importMs !== undefined) imports.get(target)!.push(importMs);
    }
  }
  return targets.map((target) => ({
    target,
    ...(imports.get(target)!.length > 0 ? { importMs: median(imports.get(target)!) } : {}),
    processMs: median(walls.get(target)!),
  }));
}

async function runProbe(target: string): Promise<{ importMs?: number; wallMs: number }> {
  const isMain = target === MAIN_GRAPH;
  const { command, args, cwd } = serverCommand();
  const t0 = performance.now();
  const out = await new Deno.Command(command, {
    args: isMain ? args : ["run", ...binaryPermissionFlags(), CHILD, target],
    cwd,
    env: isMain ? { ...baseEnv(), ...INVALID } : baseEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - t0;
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (isMain) {
    // Exit status 2 with a config message: it stopped where expected, after the imports.
    if (out.code !== 2) throw new Error(`Cannot probe main.ts: exit ${out.code}: ${stderr}`);
    return { wallMs };
  }
  if (out.code !== 0) throw new Error(`Cannot probe "${target}": exit ${out.code}: ${stderr}`);
  return { importMs: JSON.parse(new TextDecoder().decode(out.stdout)).ms, wallMs };
}

/** The timings as a markdown table. */
export function renderImports(timings: readonly ImportTiming[]): string {
  const ms = (v?: number) => v === undefined ? "—" : `${Math.round(v)} ms`;
  return [
    "| module (fresh process, binary's flags) | import | whole process |",
    "| --- | --- | --- |",
    ...timings.map((t) => `| ${t.target} | ${ms(t.importMs)} | ${ms(t.processMs)} |`),
  ].join("\n");
}
