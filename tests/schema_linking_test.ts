/**
 * Value linking and profiles reach the `query` prompt; fresh DDL is seen at once. Real Chinook
 * on PostgreSQL, the real openai client against the scripted model.
 */
import assert from "node:assert/strict";
import { askQuestion } from "../src/usecases/ask_question.ts";
import { describeTable } from "../src/usecases/describe_schema.ts";
import { checkAnswer, sqlAnswer, startNlApp } from "./support/nl_app.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

Deno.test("query: the prompt carries the stored spelling of values the question names", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT 1"),
    checkAnswer(90),
    sqlAnswer("SELECT 1"),
    checkAnswer(90),
    sqlAnswer("SELECT 1"),
    checkAnswer(90),
  ], { sample: "chinook", env: { LLM_VALIDATE_RESULTS: "true" } });
  const ask = (question: string) =>
    askQuestion({ question, returnType: "result" }, nl.app.usecases.ask);
  assert.ok((await ask("How many rock and roll tracks are there?")).ok);
  assert.ok((await ask("Which customers live in sao paulo?")).ok);
  assert.ok((await ask("How many protected aac files do we sell?")).ok);
  const prompts = [0, 2, 4].map((n) => nl.promptText(n));
  assert.match(prompts[0], /"rock and roll" may mean public\.genre\.name = 'Rock And Roll'/);
  assert.match(prompts[1], /"sao paulo" may mean public\.customer\.city = 'São Paulo'/);
  assert.match(prompts[2], /may mean public\.media_type\.name = 'Protected AAC audio file'/);
  // The profile lists the values of small text columns next to them in the schema.
  assert.match(prompts[0], /name varchar\(120\) -- values: 'Alternative', 'Alternative & Punk'/);
});

Deno.test("describe_table: a table created after the cache load is described at once", async () => {
  await using nl = await startNlApp([]);
  const deps = nl.app.usecases.schema;
  const before = await describeTable({ table: "members", schema: "cd" }, deps);
  assert.ok(before.ok, "the snapshot is loaded");
  const cluster = await sharedTestCluster();
  await cluster.psql(nl.dbUrl, "CREATE TABLE cd.just_made (id int PRIMARY KEY, note text)");
  const fresh = await describeTable({ table: "just_made", schema: "cd" }, deps);
  assert.ok(fresh.ok, fresh.ok ? "" : fresh.error.message);
  assert.deepEqual(fresh.value.columns.map((c) => c.name), ["id", "note"]);
  const missing = await describeTable({ table: "never_made", schema: "cd" }, deps);
  assert.equal(!missing.ok && missing.error.code, "NOT_FOUND");
});
