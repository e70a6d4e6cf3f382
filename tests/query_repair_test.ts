/**
 * Issue 5 through the public surface: the `query` tool over MCP (official client, in-memory
 * transport) with a real PostgreSQL and the real openai client talking to a scripted server.
 */
import { hostEnv } from "./support/spawn_server.ts";
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ENV_VARS } from "../src/config/load_config.ts";
import { connectInMemory } from "./support/in_memory_mcp.ts";
import { checkAnswer, type NlApp, sqlAnswer, startNlApp } from "./support/nl_app.ts";

function connect(nl: NlApp) {
  return connectInMemory(nl.app.server);
}

async function query(client: Client, question: string) {
  const result = await client.callTool({ name: "query", arguments: { question } });
  const text = (result.content as { type: string; text: string }[]).map((c) => c.text).join("");
  const structured = result.structuredContent as Record<string, unknown>;
  assert.deepEqual(
    JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)),
    structured,
  );
  return { isError: result.isError === true, structured };
}

Deno.test("query tool: a wrong column is repaired; the answer lists the attempts and the checked confidence", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT name, monthlymaintenence FROM cd.facilities ORDER BY facid", 60),
    sqlAnswer("SELECT name, monthlymaintenance FROM cd.facilities ORDER BY facid", 70),
    checkAnswer(88, "lists every facility with its upkeep"),
  ]);
  await using mcp = await connect(nl);
  const { isError, structured } = await query(
    mcp.client,
    "What does each facility cost to maintain?",
  );
  assert.equal(isError, false);
  assert.equal(structured.success, true);
  assert.equal(
    structured.generated_sql,
    "SELECT name, monthlymaintenance FROM cd.facilities ORDER BY facid",
  );
  const attempts = structured.attempts as { sql: string; error?: Record<string, unknown> }[];
  assert.equal(attempts.length, 2);
  assert.equal(attempts[0].error?.code, "DB_FAILED");
  assert.equal(attempts[0].error?.sqlstate, "42703");
  assert.equal(attempts[1].error, undefined);
  const data = structured.data as { columns: string[]; rows: unknown[][]; row_count: number };
  assert.equal(data.row_count, 9);
  assert.deepEqual(data.columns, ["name", "monthlymaintenance"]);
  assert.equal(data.rows[0][0], "Tennis Court 1");
  assert.equal(structured.confidence, 88);
  assert.equal(structured.confidence_reason, "lists every facility with its upkeep");
  const stages = structured.tokens_by_stage as Record<string, number>;
  assert.equal(structured.tokens_used, stages.generate + stages.repair + stages.check);
  assert.ok(stages.generate > 0 && stages.repair > 0 && stages.check > 0);
});

Deno.test("query tool: a DELETE is refused, not repaired; details carry the attempt and the tokens", async () => {
  await using nl = await startNlApp([sqlAnswer("DELETE FROM cd.members WHERE memid > 0")]);
  await using mcp = await connect(nl);
  const { isError, structured } = await query(mcp.client, "Remove all members");
  assert.equal(isError, true);
  assert.equal(structured.success, false);
  const error = structured.error as { code: string; details: Record<string, unknown> };
  assert.equal(error.code, "SECURITY_VIOLATION");
  assert.equal((error.details.attempts as unknown[]).length, 1);
  assert.ok((error.details.tokens_used as number) > 0);
  assert.deepEqual(Object.keys(error.details.tokens_by_stage as object), [
    "generate",
    "repair",
    "check",
  ]);
  assert.equal(nl.llm.chatRequests().length, 1);
  const members = await nl.db.run("SELECT count(*) AS n FROM cd.members");
  assert.ok(members.ok);
  assert.equal(members.value.rows.values()[0][0], "31");
});

Deno.test("main.ts with a bad LLM_EXAMPLES_FILE exits 2 naming the line, nothing on stdout", async () => {
  const file = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await Deno.writeTextFile(
      file,
      '{"question": "How many members?", "sql": "SELECT count(*) FROM cd.members"}\n' +
        '{"question": "Wipe them", "sql": "DELETE FROM cd.members"}\n',
    );
    const env: Record<string, string> = {
      ...Object.fromEntries(ENV_VARS.map((n) => [n, ""])),
      ...hostEnv(),
    };
    Object.assign(env, {
      // Never reached: the examples are checked before the first connection.
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      LLM_EXAMPLES_FILE: file,
    });
    const out = await new Deno.Command(Deno.execPath(), {
      // -A: the file lives in /tmp; the binary's own flags allow ./examples only.
      args: ["run", "-A", "main.ts"],
      cwd: new URL("../", import.meta.url).pathname,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 2);
    assert.equal(new TextDecoder().decode(out.stdout), "");
    assert.match(
      new TextDecoder().decode(out.stderr),
      /pg-mcp: Cannot load the examples file ".*": line 2: the SQL is refused: Cannot run DELETE/,
    );
  } finally {
    await Deno.remove(file);
  }
});
