/**
 * answerQuestion() against a real PostgreSQL (pgexercises) and the real openai client talking to a
 * scripted OpenAI-compatible server.
 */
import assert from "node:assert/strict";
import { checkAnswer, type NlApp, sqlAnswer, startNlApp } from "../../tests/support/nl_app.ts";
import type { Result } from "../errors.ts";
import { askQuestion, type QueryAnswer, type ResultAnswer } from "./ask_question.ts";
import { rowObjects } from "../../tests/support/read_only_db.ts";

function ask(nl: NlApp, question: string, returnType: "result" | "sql" = "result") {
  return askQuestion({ question, returnType }, nl.app.usecases.ask);
}

async function count(nl: NlApp, sql: string): Promise<number> {
  const rows = await nl.db.run(sql);
  assert.ok(rows.ok);
  return Number(rows.value.rows.values()[0][0]);
}

function answered(r: Result<QueryAnswer>): ResultAnswer {
  if (!r.ok) assert.fail(`expected an answer, got ${r.error.code}: ${r.error.message}`);
  return r.value as ResultAnswer;
}

function failed(r: Result<QueryAnswer>) {
  if (r.ok) assert.fail("expected a failure");
  return r.error;
}

const usage = (prompt_tokens: number, completion_tokens: number) => ({
  prompt_tokens,
  completion_tokens,
});

Deno.test("answerQuestion() repairs a wrong column on the second attempt, feeding back PostgreSQL's error", async () => {
  await using nl = await startNlApp([
    {
      content: sqlAnswer("SELECT count(*) AS smiths FROM cd.members WHERE surnam = 'Smith'", 70),
      usage: usage(100, 20),
    },
    {
      content: sqlAnswer("SELECT count(*) AS smiths FROM cd.members WHERE surname = 'Smith'", 85),
      usage: usage(150, 25),
    },
    { content: checkAnswer(90, "counts the Smiths"), usage: usage(60, 10) },
  ]);
  const a = answered(await ask(nl, "How many members are called Smith?"));
  assert.equal(a.attempts.length, 2);
  assert.equal(
    a.attempts[0].sql,
    "SELECT count(*) AS smiths FROM cd.members WHERE surnam = 'Smith'",
  );
  assert.equal(a.attempts[0].error?.code, "DB_FAILED");
  assert.equal(a.attempts[0].error?.sqlstate, "42703");
  assert.match(a.attempts[0].error?.message ?? "", /surnam/);
  assert.equal(a.attempts[1].error, undefined);
  assert.equal(a.generated_sql, a.attempts[1].sql);
  const smiths = await count(nl, "SELECT count(*) FROM cd.members WHERE surname = 'Smith'");
  assert.ok(smiths > 0);
  assert.equal(Number(rowObjects(a.data)[0].smiths), smiths);
  // The repair request carries the failed SQL, PostgreSQL's message, hint and position.
  const repair = nl.llm.chatRequests()[1].body!.messages!;
  assert.equal(repair.length, 4, "system, question, failed answer, feedback");
  assert.equal(repair[2].role, "assistant");
  const feedback = String(repair[3].content);
  assert.match(feedback, /SQLSTATE 42703/);
  assert.match(feedback, /column "surnam" does not exist/);
  assert.match(feedback, /HINT: .*surname/);
  assert.match(feedback, /At character \d+:\n.*surnam.*\n *\^/);
  // Tokens: every call summed, and broken down by stage.
  assert.deepEqual(a.tokens_by_stage, { generate: 120, repair: 175, check: 70 });
  assert.equal(a.tokens_used, 365);
  assert.equal(a.confidence, 90);
});

Deno.test("answerQuestion() never repairs a DELETE: the question gets the refusal", async () => {
  await using nl = await startNlApp([sqlAnswer("DELETE FROM cd.bookings")]);
  const before = await count(nl, "SELECT count(*) FROM cd.bookings");
  const e = failed(await ask(nl, "Remove every booking"));
  assert.equal(e.code, "SECURITY_VIOLATION");
  assert.equal(nl.llm.chatRequests().length, 1, "no second attempt");
  const attempts = e.details.attempts as { sql: string; error: { code: string } }[];
  assert.deepEqual(attempts.map((x) => [x.sql, x.error.code]), [
    ["DELETE FROM cd.bookings", "SECURITY_VIOLATION"],
  ]);
  assert.equal(e.details.generated_sql, "DELETE FROM cd.bookings");
  assert.equal(typeof e.details.tokens_used, "number");
  assert.ok((e.details.tokens_used as number) > 0);
  assert.equal(await count(nl, "SELECT count(*) FROM cd.bookings"), before);
});

Deno.test("answerQuestion() refuses several statements with a write among them, unrepaired", async () => {
  await using nl = await startNlApp([sqlAnswer("SELECT 1; DROP TABLE cd.members")]);
  const e = failed(await ask(nl, "Members?"));
  assert.equal(e.code, "SECURITY_VIOLATION");
  assert.equal(nl.llm.chatRequests().length, 1);
  assert.equal(await count(nl, "SELECT count(*) FROM cd.members"), 31);
});

Deno.test("answerQuestion() lowers the confidence of an empty result, with the reason", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT memid, firstname FROM cd.members WHERE surname = 'Nobody'"),
    checkAnswer(90, "filters members by surname"),
  ]);
  const a = answered(await ask(nl, "Which members are called Nobody?"));
  assert.equal(a.data.row_count, 0);
  assert.equal(a.confidence, 50, "90 from the check, -40 for the empty result");
  assert.deepEqual(a.checks?.map((c) => [c.check, c.penalty]), [["empty_result", 40]]);
  assert.match(a.confidence_reason, /filters members by surname; the query returned no rows/);
  // The checker saw the question, the SQL, the columns and the row count.
  const check = nl.promptText(1);
  assert.match(check, /Which members are called Nobody\?/);
  assert.match(check, /Row count: 0/);
  assert.match(check, /memid \(int4\)|memid \(integer\)/);
});

Deno.test("answerQuestion() shows the checker a sample of rows, cut to LLM_SAMPLE_ROWS, and flags the row cap", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT bookid, starttime FROM cd.bookings ORDER BY bookid"),
    checkAnswer(80),
  ], { env: { LLM_SAMPLE_ROWS: "3", SECURITY_MAX_ROWS: "50" } });
  const a = answered(await ask(nl, "List the bookings"));
  assert.equal(a.truncated, true);
  assert.equal(a.data.row_count, 50);
  assert.equal(a.confidence, 70);
  assert.deepEqual(a.checks?.map((c) => c.check), ["row_cap_hit"]);
  const check = nl.promptText(1);
  assert.match(check, /Sample rows \(3\):/);
  assert.equal((check.match(/"bookid":/g) ?? []).length, 3);
});

Deno.test("answerQuestion() with LLM_VALIDATE_RESULTS=false reports the generator's own estimate", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT memid FROM cd.members WHERE surname = 'Nobody'", 77),
  ], { env: { LLM_VALIDATE_RESULTS: "false" } });
  const a = answered(await ask(nl, "Members called Nobody?"));
  assert.equal(a.confidence, 77);
  assert.equal(a.checks, undefined);
  assert.match(a.confidence_reason, /own estimate.*validation is off/);
  assert.equal(nl.llm.chatRequests().length, 1, "no check call");
  assert.equal(a.tokens_by_stage.check, 0);
});

Deno.test("answerQuestion() keeps the answer when the result check fails, and says so", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT name FROM cd.facilities ORDER BY facid", 60),
    { status: 500, message: "boom" },
  ]);
  const a = answered(await ask(nl, "Facility names?"));
  assert.equal(a.data.row_count, 9);
  assert.equal(a.confidence, 60);
  assert.match(a.confidence_reason, /result check could not run \(LLM_UNAVAILABLE\)/);
});

Deno.test("answerQuestion() repairs a statement timeout with a cheaper query", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT count(*) AS n FROM cd.bookings a, cd.bookings b, cd.bookings c"),
    sqlAnswer("SELECT count(*) AS n FROM cd.bookings"),
    checkAnswer(90),
  ], { env: { SECURITY_MAX_EXECUTION_TIME: "0.3" } });
  const a = answered(await ask(nl, "How many bookings?"));
  assert.deepEqual(a.attempts.map((x) => x.error?.code), ["DB_TIMEOUT", undefined]);
  assert.equal(rowObjects(a.data)[0].n, "4044");
  assert.match(nl.promptText(1), /ran out of time/);
});

Deno.test("answerQuestion() stops after LLM_MAX_ATTEMPTS with the last error and every attempt", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT nope FROM cd.members"),
    sqlAnswer("SELECT nope2 FROM cd.members"),
  ], { env: { LLM_MAX_ATTEMPTS: "2" } });
  const e = failed(await ask(nl, "Nope?"));
  assert.equal(e.code, "DB_FAILED");
  assert.equal(e.details.sqlstate, "42703");
  const attempts = e.details.attempts as { sql: string }[];
  assert.deepEqual(attempts.map((x) => x.sql), [
    "SELECT nope FROM cd.members",
    "SELECT nope2 FROM cd.members",
  ]);
  assert.equal(e.details.generated_sql, "SELECT nope2 FROM cd.members");
  assert.equal(nl.llm.chatRequests().length, 2);
});

Deno.test("answerQuestion() in sql mode repairs an unknown column through EXPLAIN and runs nothing", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT nam FROM cd.facilities", 70),
    sqlAnswer("SELECT name FROM cd.facilities", 75),
  ]);
  const a = answered(await ask(nl, "Facility names?", "sql"));
  assert.equal(a.generated_sql, "SELECT name FROM cd.facilities");
  assert.equal(a.attempts.length, 2);
  assert.equal(a.attempts[0].error?.sqlstate, "42703");
  assert.equal(a.confidence, 75);
  assert.equal("data" in a, false);
  assert.equal(nl.llm.chatRequests().length, 2, "no check in sql mode");
});

Deno.test("answerQuestion() puts the golden examples closest to the question into the prompt", async () => {
  const file = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await Deno.writeTextFile(
      file,
      [
        { question: "How many facilities are there?", sql: "SELECT count(*) FROM cd.facilities" },
        {
          question: "List the members who joined after September 2012",
          sql: "SELECT firstname, surname FROM cd.members WHERE joindate >= '2012-09-01'",
        },
        {
          question: "Which members were recommended by another member?",
          sql: "SELECT memid FROM cd.members WHERE recommendedby IS NOT NULL",
        },
        {
          question: "Total slots booked per facility",
          sql: "SELECT facid, sum(slots) FROM cd.bookings GROUP BY facid",
          database: "some_other_database",
        },
        {
          question: "Total slots booked per facility in July",
          sql: "SELECT facid, sum(slots) AS july FROM cd.bookings " +
            "WHERE starttime >= '2012-07-01' AND starttime < '2012-08-01' GROUP BY facid",
        },
      ].map((e) => JSON.stringify(e)).join("\n") + "\n",
    );
    await using nl = await startNlApp([
      sqlAnswer("SELECT facid, sum(slots) AS slots FROM cd.bookings GROUP BY facid"),
      checkAnswer(90),
    ], { env: { LLM_EXAMPLES_FILE: file } });
    answered(await ask(nl, "What is the total number of slots booked per facility?"));
    const system = String(nl.llm.chatRequests()[0].body!.messages![0].content);
    assert.match(system, /Examples of good SQL for this database/);
    assert.match(
      system,
      /Question: Total slots booked per facility in July\nSQL: SELECT facid, sum\(slots\) AS july/,
    );
    assert.equal(
      system.includes("sum(slots) FROM cd.bookings GROUP BY facid"),
      false,
      "an example for another database is never used",
    );
    assert.equal(system.includes("recommendedby IS NOT NULL"), false, "unrelated: left out");
    const examples = system.slice(system.indexOf("Examples of good SQL"));
    const first = examples.indexOf("Total slots booked per facility in July");
    assert.ok(first > 0, "the most similar example comes first");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("createApp() fails start-up on a bad examples file, naming the line", async () => {
  const file = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await Deno.writeTextFile(
      file,
      '{"question": "How many?", "sql": "SELECT count(*) FROM cd.members"}\n\n' +
        '{"question": "Wipe", "sql": "DELETE FROM cd.members"}\n',
    );
    await assert.rejects(
      () => startNlApp([], { env: { LLM_EXAMPLES_FILE: file } }),
      (e: Error & { code?: string; details?: Record<string, unknown> }) => {
        assert.equal(e.code, "CONFIG_INVALID");
        assert.match(e.message, /line 3: the SQL is refused: Cannot run DELETE/);
        assert.equal(e.details?.line, 3);
        return true;
      },
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("answerQuestion() ends LLM failures in clear codes", async (t) => {
  await t.step("a stall past OPENAI_TIMEOUT is LLM_TIMEOUT", async () => {
    await using nl = await startNlApp([{ stallMs: Infinity }], { env: { OPENAI_TIMEOUT: "0.3" } });
    const e = failed(await ask(nl, "How many members?"));
    assert.equal(e.code, "LLM_TIMEOUT");
    assert.deepEqual(
      (e.details.attempts as { error: { code: string } }[]).map((a) => a.error.code),
      [
        "LLM_TIMEOUT",
      ],
    );
  });
  await t.step("a 429 is LLM_UNAVAILABLE with the status, not retried by the loop", async () => {
    await using nl = await startNlApp([{ status: 429, message: "slow down" }]);
    const e = failed(await ask(nl, "How many members?"));
    assert.equal(e.code, "LLM_UNAVAILABLE");
    assert.equal(e.details.status, 429);
    assert.match(e.message, /rate limited/);
    assert.equal(nl.llm.chatRequests().length, 1);
  });
  await t.step("a 503 is LLM_UNAVAILABLE", async () => {
    await using nl = await startNlApp([{ status: 503, message: "down" }]);
    const e = failed(await ask(nl, "How many members?"));
    assert.equal(e.code, "LLM_UNAVAILABLE");
    assert.equal(e.details.status, 503);
  });
  await t.step(
    "prose only, every attempt, is LLM_BAD_OUTPUT with the tokens of each call",
    async () => {
      const prose = "I can help with that, but the question is unclear to me.";
      await using nl = await startNlApp([
        { content: prose, usage: usage(10, 5) },
        { content: prose, usage: usage(20, 5) },
      ], { env: { LLM_MAX_ATTEMPTS: "2" } });
      const e = failed(await ask(nl, "Huh?"));
      assert.equal(e.code, "LLM_BAD_OUTPUT");
      assert.equal(e.details.reason, "no_sql");
      assert.equal(e.details.tokens_used, 40);
      assert.deepEqual(e.details.tokens_by_stage, { generate: 15, repair: 25, check: 0 });
      assert.match(nl.promptText(1), /could not be used: Cannot find SQL/);
    },
  );
  await t.step("several SELECTs are LLM_BAD_OUTPUT, then repaired", async () => {
    await using nl = await startNlApp([
      sqlAnswer("SELECT 1; SELECT 2"),
      sqlAnswer("SELECT count(*) AS n FROM cd.facilities"),
      checkAnswer(90),
    ]);
    const a = answered(await ask(nl, "How many facilities?"));
    assert.equal(a.attempts[0].error?.code, "LLM_BAD_OUTPUT");
    assert.equal(rowObjects(a.data)[0].n, "9");
  });
  await t.step("several SELECTs on the last attempt end in LLM_BAD_OUTPUT", async () => {
    await using nl = await startNlApp([sqlAnswer("SELECT 1; SELECT 2")], {
      env: { LLM_MAX_ATTEMPTS: "1" },
    });
    const e = failed(await ask(nl, "How many facilities?"));
    assert.equal(e.code, "LLM_BAD_OUTPUT");
    assert.equal(e.details.reason, "multiple_statements");
  });
});
