import assert from "node:assert/strict";
import { readEnv } from "./read_env.ts";

Deno.test("readEnv() reads a .env file, the process environment winning over it", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/.env`;
  await Deno.writeTextFile(
    file,
    "PGMCP_TEST_A=from-file\nPGMCP_TEST_B='quoted value'\n# comment\nPGMCP_TEST_C=file-only\n",
  );
  Deno.env.set("PGMCP_TEST_A", "from-process");
  try {
    const env = await readEnv(
      ["PGMCP_TEST_A", "PGMCP_TEST_B", "PGMCP_TEST_C", "PGMCP_TEST_D"],
      file,
    );
    assert.deepEqual(env, {
      PGMCP_TEST_A: "from-process",
      PGMCP_TEST_B: "quoted value",
      PGMCP_TEST_C: "file-only",
      PGMCP_TEST_D: undefined,
    });
  } finally {
    Deno.env.delete("PGMCP_TEST_A");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readEnv() works without a .env file and reads only the named variables", async () => {
  Deno.env.set("PGMCP_TEST_E", "e");
  try {
    const env = await readEnv(["PGMCP_TEST_E"], "/nonexistent/dir/.env");
    assert.deepEqual(env, { PGMCP_TEST_E: "e" });
  } finally {
    Deno.env.delete("PGMCP_TEST_E");
  }
});
