/**
 * deploy/systemd/pg-mcp.service: systemd itself says it is valid and how exposed it is. The
 * verification runs against a scratch root holding the system's units and a stand-in binary,
 * because `verify` also checks that ExecStart names an executable.
 */
import assert from "node:assert/strict";
import { ENV_VARS } from "../../src/config/load_config.ts";

const UNIT_PATH = new URL("../../deploy/systemd/pg-mcp.service", import.meta.url).pathname;
const unit = await Deno.readTextFile(UNIT_PATH);
const MAX_EXPOSURE = 2.5;

async function systemdAnalyze(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = await new Deno.Command("systemd-analyze", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { SYSTEMD_COLORS: "0", SYSTEMD_PAGER: "" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

const installed = await systemdAnalyze(["--version"]).then(() => true, () => false);
const skipped = installed
  ? ""
  : " (SKIPPED: systemd-analyze is not installed: apt-get install systemd)";

/** The values of every `Key=` line of the unit, in order. */
function values(key: string): string[] {
  return unit.split("\n").filter((l) => l.startsWith(`${key}=`)).map((l) =>
    l.slice(key.length + 1)
  );
}

Deno.test(`systemd-analyze verify accepts the unit, without a warning${skipped}`, {
  ignore: !installed,
}, async () => {
  const root = await Deno.makeTempDir({ prefix: "pg_mcp_systemd_root_" });
  try {
    const binary = `${root}${values("ExecStart")[0].split(" ")[0]}`;
    await Deno.mkdir(binary.slice(0, binary.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(binary, "#!/bin/sh\n", { mode: 0o755 });
    await Deno.mkdir(`${root}/etc/systemd/system`, { recursive: true });
    await Deno.copyFile(UNIT_PATH, `${root}/etc/systemd/system/pg-mcp.service`);
    await Deno.mkdir(`${root}/usr/lib/systemd`, { recursive: true });
    const copied = await new Deno.Command("cp", {
      args: ["-r", "/usr/lib/systemd/system", `${root}/usr/lib/systemd/`],
    }).output();
    assert.ok(copied.success, "cannot copy the system's units into the scratch root");
    const run = await systemdAnalyze(["verify", `--root=${root}`, "pg-mcp.service"]);
    assert.equal(run.code, 0, run.err);
    assert.equal(run.err.trim(), "", "no warning (an unknown or misspelt key is only a warning)");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test(`systemd-analyze security rates the unit ${MAX_EXPOSURE} or lower${skipped}`, {
  ignore: !installed,
}, async () => {
  const run = await systemdAnalyze(["security", "--offline=true", "--no-pager", UNIT_PATH]);
  assert.equal(run.code, 0, run.err);
  const score = /Overall exposure level for pg-mcp\.service: (\d+(?:\.\d+)?)/.exec(run.out)?.[1];
  assert.ok(score !== undefined, `no overall exposure in:\n${run.out}\n${run.err}`);
  assert.ok(Number(score) <= MAX_EXPOSURE, `exposure ${score} > ${MAX_EXPOSURE}:\n${run.out}`);
});

Deno.test("the unit runs as a dynamic user in HTTP mode, with secrets from an EnvironmentFile", () => {
  assert.deepEqual(values("DynamicUser"), ["yes"]);
  assert.deepEqual(values("Restart"), ["on-failure"]);
  assert.ok(values("Wants").includes("network-online.target"));
  assert.ok(values("After").includes("network-online.target"));
  assert.equal(values("EnvironmentFile").length, 1, "secrets come from one EnvironmentFile");
  // systemd (PID 1, root) reads EnvironmentFile; the dynamic user would read a .env in its
  // working directory, and cannot read a root-owned 0600 one: none where it starts.
  assert.deepEqual(values("WorkingDirectory"), ["/"]);
  const env = Object.fromEntries(
    values("Environment").flatMap((l) => l.split(" ")).map((kv) => kv.split("=", 2)),
  );
  assert.equal(env.MCP_TRANSPORT, "http");
  for (const name of Object.keys(env)) {
    assert.ok(
      (ENV_VARS as readonly string[]).includes(name),
      `Environment= sets "${name}", which pg-mcp does not read`,
    );
  }
});

Deno.test("the unit leaves V8 its JIT: MemoryDenyWriteExecute would stop the SQL parser's WebAssembly", () => {
  assert.deepEqual(values("MemoryDenyWriteExecute"), ["no"]);
});
