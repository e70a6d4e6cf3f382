/**
 * An unreadable settings file stops the start with one clean line and exit 2: the README's old
 * systemd unit (DynamicUser, a root-owned 0600 .env) crashed with a stack trace and restarted in
 * a loop. Run through the real entry point with the binary's flags, from a scratch checkout so
 * the developer's own .env is never touched.
 */
import assert from "node:assert/strict";
import { isRoot } from "./support/command.ts";
import { scratchCheckout } from "./support/scratch_checkout.ts";
import { type ExitedRun, runServerToExit } from "./support/spawn_server.ts";

const SECRET = "hunter2-never-print-me";

function assertOneCleanLine(run: ExitedRun, reason: RegExp): void {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, "", "stdout is the MCP channel: nothing on it");
  const lines = run.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line, got:\n${run.stderr}`);
  assert.match(lines[0], /^pg-mcp: Cannot read the settings file "\.env": /);
  assert.match(lines[0], reason);
  assert.doesNotMatch(run.stderr, /\bat .*:\d+:\d+|Uncaught|error:/, "no stack trace");
  assert.ok(!run.stderr.includes(SECRET), "the file's content is never echoed");
}

Deno.test("main.ts with a directory named .env exits 2 with one line, no stack trace", async () => {
  await using checkout = await scratchCheckout();
  await Deno.mkdir(`${checkout.dir}/.env`);
  assertOneCleanLine(await runServerToExit({}, [], { cwd: checkout.dir }), /it is a directory/);
});

Deno.test("main.ts with a .env it may not read (systemd's DynamicUser case) exits 2 with one line", async () => {
  await using checkout = await scratchCheckout();
  const file = `${checkout.dir}/.env`;
  await Deno.writeTextFile(file, `DATABASE_URL=postgres://u:${SECRET}@127.0.0.1:1/x\n`);
  await Deno.chmod(file, 0o000);
  // Root reads any file through CAP_DAC_OVERRIDE: drop it (and DAC_READ_SEARCH) from the child's
  // bounding set, so root meets the permission bits as the dynamic user does.
  const wrapper = isRoot()
    ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    : undefined;
  assertOneCleanLine(
    await runServerToExit({}, [], { cwd: checkout.dir, wrapper }),
    /permission denied/,
  );
});
