/**
 * Plants each bug of bugs.ts, one at a time, in a scratch worktree of HEAD (committed code only),
 * runs its test files and reports whether they failed (caught) or passed (survived). Exit 1 when
 * one survived. Slow: about 10 minutes (tests/faults_test.ts runs several times).
 *
 *   deno task planted-bugs [--only <part of a name>]
 */
import { runBounded } from "../ci/run_bounded.ts";
import { PLANTED_BUGS, type PlantedBug } from "./bugs.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const LIMIT_MS = 10 * 60_000;

function say(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}

async function git(...args: string[]): Promise<void> {
  const run = await runBounded("git", {
    args: ["-C", ROOT, ...args],
    limitMs: 60_000,
    quiet: true,
  });
  if (run.code !== 0) throw new Error(`git ${args.join(" ")}: ${run.output}`);
}

/** Plants the bug, runs its tests, restores the file: true when a test failed. */
async function caught(dir: string, bug: PlantedBug): Promise<boolean> {
  const path = `${dir}/${bug.file}`;
  const original = await Deno.readTextFile(path);
  if (original.split(bug.find).length !== 2) throw new Error(`${bug.name}: text not found once`);
  await Deno.writeTextFile(path, original.replace(bug.find, bug.replace));
  try {
    const run = await runBounded(Deno.execPath(), {
      args: ["test", "--allow-all", "--no-prompt", "--no-check", ...bug.tests],
      cwd: dir,
      limitMs: LIMIT_MS,
      quiet: true,
    });
    return run.code !== 0;
  } finally {
    await Deno.writeTextFile(path, original);
  }
}

async function main(args: string[]): Promise<number> {
  const only = args[0] === "--only" ? args[1] ?? "" : "";
  const bugs = PLANTED_BUGS.filter((b) => b.name.includes(only));
  const dir = await Deno.makeTempDir({ prefix: "pg-mcp-planted-" });
  await git("worktree", "add", "--detach", dir, "HEAD");
  try {
    // A copy, not a link: the permission-scoped server may read only its own node_modules.
    const copy = await runBounded("cp", {
      args: ["-a", `${ROOT}node_modules`, dir],
      limitMs: 120_000,
      quiet: true,
    });
    if (copy.code !== 0) throw new Error(`cp node_modules: ${copy.output}`);
    const survived: string[] = [];
    for (const bug of bugs) {
      const result = await caught(dir, bug) ? "caught" : "SURVIVED";
      if (result === "SURVIVED") survived.push(bug.name);
      const level = bug.unitOnly ? ` (unit level: ${bug.unitOnly})` : "";
      say(`${result.padEnd(8)} ${bug.name}${level}`);
    }
    say(`${bugs.length - survived.length} of ${bugs.length} planted bugs caught`);
    return survived.length === 0 ? 0 : 1;
  } finally {
    await git("worktree", "remove", "--force", dir).catch((e) => say(String(e)));
  }
}

Deno.exit(await main(Deno.args));
