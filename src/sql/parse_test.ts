import assert from "node:assert/strict";
import { loadExamplesFile } from "../pipeline/examples.ts";
import { createSqlParser, loadParserLibrary, type ParserLibrary } from "./parse.ts";
import { checkSql } from "./validate.ts";
import { checkWrite } from "./validate_write.ts";

const policy = { blockedFunctions: new Set<string>() };

/** A loader that holds the real libpg-query until `open()`, and counts its calls. */
function gatedLoader() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => open = resolve);
  const loader = {
    calls: 0,
    open,
    load: async (): Promise<ParserLibrary> => {
      loader.calls++;
      await gate;
      return await loadParserLibrary();
    },
  };
  return loader;
}

/** True once `p` settled, after letting every pending task run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => done = true, () => done = true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  return done;
}

Deno.test("createSqlParser() returns at once, loads nothing until needed, and parse() before ready() throws", () => {
  const loader = gatedLoader();
  const parser = createSqlParser(loader.load);
  assert.equal(loader.calls, 0, "nothing loads at creation");
  assert.throws(() => parser.parse("SELECT 1"), /the parser is not loaded yet/);
  assert.throws(() => parser.fingerprint("SELECT 1"), /the parser is not loaded yet/);
  loader.open();
});

Deno.test("checkSql() on a parser still loading waits for the WASM, then validates", async () => {
  const loader = gatedLoader();
  const parser = createSqlParser(loader.load);
  const accepted = checkSql("SELECT 1 AS one", parser, policy);
  const refused = checkSql("DELETE FROM t", parser, policy);
  assert.equal(await settled(accepted), false, "it waits for the parser");
  loader.open();
  const a = await accepted;
  assert.ok(a.ok, JSON.stringify(a));
  assert.equal(a.value.kind, "select");
  const r = await refused;
  assert.equal(!r.ok && r.error.code, "SECURITY_VIOLATION");
  assert.equal(loader.calls, 1, "one load for both");
  assert.equal(parser.parse("SELECT 2").ok, true, "synchronous from then on");
  assert.match(parser.fingerprint("SELECT 2") ?? "", /^[0-9a-f]+$/);
});

Deno.test("checkWrite() on a parser still loading waits for the WASM, then applies the write rules", async () => {
  const loader = gatedLoader();
  const parser = createSqlParser(loader.load);
  const pending = checkWrite("DELETE FROM t", parser, policy);
  assert.equal(await settled(pending), false);
  loader.open();
  const r = await pending;
  assert.equal(!r.ok && r.error.details.reason, "missing_where");
});

Deno.test("loadExamplesFile() waits for the parser and still refuses a bad line with CONFIG_INVALID", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/examples.jsonl`;
    await Deno.writeTextFile(
      file,
      '{"question": "one", "sql": "SELECT 1"}\n{"question": "two", "sql": "DROP TABLE t"}\n',
    );
    const loader = gatedLoader();
    const pending = loadExamplesFile(file, createSqlParser(loader.load), policy);
    assert.equal(await settled(pending), false);
    loader.open();
    const r = await pending;
    assert.equal(!r.ok && r.error.code, "CONFIG_INVALID");
    assert.match(!r.ok ? r.error.message : "", /line 2: the SQL is refused/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SqlParser.ready() reports a failed load and tries again on the next use", async () => {
  let calls = 0;
  const parser = createSqlParser(() => {
    calls++;
    return calls === 1 ? Promise.reject(new Error("no WASM")) : loadParserLibrary();
  });
  await assert.rejects(parser.ready(), /no WASM/);
  await assert.rejects(
    checkSql("SELECT 1", createSqlParser(() => Promise.reject(new Error("x"))), policy),
    /x/,
  );
  await parser.ready();
  assert.equal(calls, 2);
  assert.equal(parser.parse("SELECT 1").ok, true);
});

Deno.test("SqlParser.fingerprint() remembers recent texts: libpg-query's answer, asked once", async () => {
  const lib = await loadParserLibrary();
  let calls = 0;
  const parser = createSqlParser(() =>
    Promise.resolve({
      parseSync: (sql: string) => lib.parseSync(sql),
      fingerprintSync: (sql: string) => {
        calls++;
        return lib.fingerprintSync(sql);
      },
    })
  );
  await parser.ready();
  const sql = "SELECT * FROM t WHERE id = 42";
  assert.equal(parser.fingerprint(sql), lib.fingerprintSync(sql));
  assert.equal(parser.fingerprint(sql), lib.fingerprintSync(sql));
  assert.equal(calls, 1);
  assert.equal(parser.fingerprint("SELECT FROM WHERE ("), undefined);
  assert.equal(parser.fingerprint("SELECT FROM WHERE ("), undefined);
  assert.equal(calls, 2, "a text that does not parse is remembered too");
  const long = `SELECT ${"1 + ".repeat(3_000)}1`;
  parser.fingerprint(long);
  parser.fingerprint(long);
  assert.equal(calls, 4, "a long text is not kept");
});
