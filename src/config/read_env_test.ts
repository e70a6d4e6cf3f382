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
      { envFile: file },
    );
    assert.deepEqual(env, {
      ok: true,
      value: {
        PGMCP_TEST_A: "from-process",
        PGMCP_TEST_B: "quoted value",
        PGMCP_TEST_C: "file-only",
        PGMCP_TEST_D: undefined,
      },
    });
  } finally {
    Deno.env.delete("PGMCP_TEST_A");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readEnv() works without a .env file and reads only the named variables", async () => {
  Deno.env.set("PGMCP_TEST_E", "e");
  try {
    const env = await readEnv(["PGMCP_TEST_E"], { envFile: "/nonexistent/dir/.env" });
    assert.deepEqual(env, { ok: true, value: { PGMCP_TEST_E: "e" } });
  } finally {
    Deno.env.delete("PGMCP_TEST_E");
  }
});

Deno.test("readEnv() adds the variables matching a pattern, from the file and the process", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/.env`;
  await Deno.writeTextFile(file, "DATABASE_URL_FROMFILE=postgres://f/x\nOTHER_SECRET=s\n");
  Deno.env.set("DATABASE_URL_PGMCPTEST", "postgres://p/y");
  try {
    const read = await readEnv([], { dynamic: /^DATABASE_URL_/, envFile: file });
    assert.ok(read.ok);
    const env = read.value;
    assert.equal(env.DATABASE_URL_FROMFILE, "postgres://f/x");
    assert.equal(env.DATABASE_URL_PGMCPTEST, "postgres://p/y");
    assert.equal(env.OTHER_SECRET, undefined);
  } finally {
    Deno.env.delete("DATABASE_URL_PGMCPTEST");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readEnv() refuses a settings file that exists but cannot be read, with CONFIG_INVALID", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/.env`);
    const env = await readEnv(["PGMCP_TEST_F"], { envFile: `${dir}/.env` });
    assert.equal(env.ok, false);
    if (env.ok) return;
    assert.equal(env.error.code, "CONFIG_INVALID");
    assert.equal(
      env.error.message,
      `Cannot read the settings file "${dir}/.env": it is a directory (make it readable by this ` +
        "user, or remove it and set the variables in the environment)",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readEnv() imports dotenv only when the settings file exists", async () => {
  const dir = await Deno.makeTempDir();
  let imports = 0;
  const loadParser = async () => {
    imports++;
    return (await import("dotenv")).parse;
  };
  try {
    const none = await readEnv(["PGMCP_TEST_G"], { envFile: `${dir}/.env`, loadParser });
    assert.deepEqual(none, { ok: true, value: { PGMCP_TEST_G: undefined } });
    assert.equal(imports, 0, "no file: dotenv is not imported");
    await Deno.writeTextFile(`${dir}/.env`, "PGMCP_TEST_G=from-file\n");
    const read = await readEnv(["PGMCP_TEST_G"], { envFile: `${dir}/.env`, loadParser });
    assert.deepEqual(read, { ok: true, value: { PGMCP_TEST_G: "from-file" } });
    assert.equal(imports, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
