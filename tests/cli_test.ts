/** The command line for people at a terminal: --help, --version, doctor (main.ts, binary flags). */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { startFakeLlm } from "./support/fake_llm.ts";
import { loadSample } from "./support/samples.ts";
import { runServerToExit } from "./support/spawn_server.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

Deno.test("--help and --version print to stdout and exit 0; a bad command exits 2", async () => {
  const help = await runServerToExit({}, ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^pg-mcp \d+\.\d+\.\d+: /);
  assert.match(help.stdout, /pg-mcp doctor/);
  assert.match(help.stdout, /DATABASE_URL_<NAME>/);
  const version = await runServerToExit({}, ["--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `pg-mcp ${denoJson.version}\n`);
  const bad = await runServerToExit({}, ["--frobnicate"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, "");
  assert.match(bad.stderr, /^pg-mcp: Cannot understand "--frobnicate": try --help\n$/);
});

Deno.test("doctor: a usable setup reports each check and exits 0", async () => {
  const cluster = await sharedTestCluster();
  const url = await loadSample(cluster, "pgexercises");
  await using llm = startFakeLlm(["OK"]);
  const out = await runServerToExit({
    DATABASE_URL: url,
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: llm.url,
    OBSERVABILITY_METRICS_PORT: "0",
  }, ["doctor"]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.match(out.stdout, /\[ok {2}\] configuration +transport stdio, 1 database/);
  assert.match(out.stdout, /\[ok {2}\] database default \(default\) +PostgreSQL 1\d/);
  assert.match(
    out.stdout,
    /\[warn\] database default \(default\) role +"postgres" can do more than read: superuser/,
  );
  assert.match(
    out.stdout,
    /\[ok {2}\] database default \(default\) tables +3 tables and views readable/,
  );
  assert.match(
    out.stdout,
    /\[ok {2}\] language model +fake-model answered|\[ok {2}\] language model/,
  );
  assert.match(out.stdout, /pg-mcp is ready to serve\./);
  assert.equal(llm.chatRequests().length, 1, "one tiny request to the model");
});

Deno.test("doctor: an unreachable database and a refused API key fail, exit 1", async () => {
  await using llm = startFakeLlm([{ status: 401, message: "bad key" }]);
  const out = await runServerToExit({
    DATABASE_URL: "postgres://nobody:secret-pw@127.0.0.1:1/none",
    DATABASE_COMMAND_TIMEOUT: "2",
    OPENAI_API_KEY: "sk-should-not-print",
    OPENAI_BASE_URL: llm.url,
    OBSERVABILITY_METRICS_PORT: "0",
  }, ["doctor"]);
  assert.equal(out.code, 1, out.stdout + out.stderr);
  assert.match(out.stdout, /\[FAIL\] database default \(default\) +Cannot reach the database/);
  assert.match(
    out.stdout,
    /\[FAIL\] language model +Cannot use the language model: the API key was refused \(401\)/,
  );
  assert.match(out.stdout, /not usable yet/);
  assert.ok(!(out.stdout + out.stderr).includes("secret-pw"));
  assert.ok(!(out.stdout + out.stderr).includes("sk-should-not-print"));
});
