/**
 * The demo database under the exact permission flags pg-mcp ships: `deno task start`'s (with
 * `$HOME` expanded as the task shell does) and the compiled binary's, in a fresh HOME. The
 * working directory is the project's, as `deno task` sets it: the flags' relative read paths
 * (node_modules, src/demo) are resolved against it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  expandTaskShell,
  permissionFlags,
  startPermissionFlags,
} from "../scripts/permission_flags.ts";

const ROOT = new URL("../", import.meta.url).pathname;

async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
}

async function probe(flags: string[], home: string) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, "tests/support/demo_probe.ts"],
    cwd: ROOT,
    clearEnv: true,
    env: { HOME: home, PATH: Deno.env.get("PATH") ?? "", DENO_DIR: await denoDir() },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(90_000),
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

Deno.test("under `deno task start`'s flags the demo builds into ~/.cache/pg-mcp, then reuses it", async () => {
  const home = await Deno.makeTempDir();
  try {
    const flags = expandTaskShell(startPermissionFlags(), home);
    const rows = [{ name: "Rock" }, { name: "Jazz" }];
    const first = await probe(flags, home);
    assert.equal(first.ready.source, "built");
    assert.ok(first.ready.cachePath.startsWith(join(home, ".cache", "pg-mcp", "demo", "chinook-")));
    assert.deepEqual(first.rows, rows);
    const second = await probe(flags, home);
    assert.equal(second.ready.source, "cache");
    assert.deepEqual(second.rows, rows);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("under the compiled binary's flags the demo runs from memory and writes nothing", async () => {
  const home = await Deno.makeTempDir();
  try {
    const result = await probe(permissionFlags(), home);
    assert.equal(result.ready.source, "built");
    assert.equal(result.ready.cachePath, undefined);
    assert.deepEqual(result.rows, [{ name: "Rock" }, { name: "Jazz" }]);
    assert.deepEqual([...Deno.readDirSync(home)], []);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
