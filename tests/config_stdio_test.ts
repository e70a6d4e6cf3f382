/** Start-up with a bad configuration, through the real entry point and the binary's flags. */
import assert from "node:assert/strict";
import { runServerToExit } from "./support/spawn_server.ts";

Deno.test("main.ts with invalid variables exits 2, names each one on stderr, prints nothing on stdout", async () => {
  const run = await runServerToExit({
    DATABASE_URL: "postgres://admin:hunter2-secret@127.0.0.1:notaport/x",
    SECURITY_MAX_ROWS: "lots",
    OPENAI_TEMPERATURE: "9",
    OPENAI_API_KEY: "sk-never-print-me",
    CACHE_ENABLED: "perhaps",
  });
  assert.equal(run.code, 2);
  assert.equal(run.stdout, "", "stdout is the MCP channel: nothing on it");
  for (const name of ["DATABASE_URL", "SECURITY_MAX_ROWS", "OPENAI_TEMPERATURE", "CACHE_ENABLED"]) {
    assert.match(run.stderr, new RegExp(name));
  }
  assert.equal(run.stderr.trim().split("\n").length, 1, "one message");
  assert.ok(!run.stderr.includes("hunter2"), "no password echoed");
  assert.ok(!run.stderr.includes("sk-never-print-me"), "no API key echoed");
});
