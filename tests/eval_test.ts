/**
 * The eval harness end to end: `runEvalCli` (what `deno task eval` runs) on real pgexercises
 * questions, against a real PostgreSQL and the real openai client talking to a scripted server
 * whose right, wrong, repaired and refused answers are known, so the figures are checked exactly.
 */
import { hostEnv } from "./support/spawn_server.ts";
import assert from "node:assert/strict";
import { ENV_VARS } from "../src/config/load_config.ts";
import { runEvalCli } from "../src/eval/main.ts";
import type { EvalReport } from "../src/eval/run_eval.ts";
import { type RecordedRequest, startFakeLlm } from "./support/fake_llm.ts";
import { checkAnswer, sqlAnswer } from "./support/nl_app.ts";
import { loadSample } from "./support/samples.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

const QUESTIONS = new URL("./fixtures/nl2sql/pgexercises/questions.jsonl", import.meta.url);

/** Scripted answers per question id, in attempt order. */
const SCRIPT: Record<string, string[]> = {
  // right at once
  "pgexercises-aggregates-count": ["SELECT count(*) AS facilities FROM cd.facilities"],
  // wrong: ignores the guest cost filter
  "pgexercises-aggregates-count2": ["SELECT count(*) FROM cd.facilities"],
  // repaired: a wrong table name first
  "pgexercises-aggregates-count3": [
    "SELECT recommendedby, count(*) FROM cd.member WHERE recommendedby IS NOT NULL " +
    "GROUP BY recommendedby ORDER BY recommendedby",
    "SELECT recommendedby, count(*) FROM cd.members WHERE recommendedby IS NOT NULL " +
    "GROUP BY recommendedby ORDER BY recommendedby",
  ],
  // right, with the columns in another order
  "pgexercises-basic-selectspecific": ["SELECT membercost, name FROM cd.facilities ORDER BY name"],
  // a write question: the model writes the INSERT, the server refuses it (the right outcome)
  "pgexercises-updates-insert": [
    "INSERT INTO cd.facilities (facid, name, membercost, guestcost, initialoutlay, " +
    "monthlymaintenance) VALUES (9, 'Spa', 20, 30, 100000, 800)",
  ],
};

async function pickQuestions(
  ids: string[],
): Promise<{ lines: string; byQuestion: Map<string, string> }> {
  const all = (await Deno.readTextFile(QUESTIONS)).split("\n").filter((l) => l.trim());
  const picked = ids.map((id) => {
    const line = all.find((l) => JSON.parse(l).id === id);
    assert.ok(line, id);
    return line;
  });
  const byQuestion = new Map(
    picked.map((l) => [JSON.parse(l).question as string, JSON.parse(l).id as string]),
  );
  return { lines: picked.join("\n") + "\n", byQuestion };
}

/** Generation requests get the next scripted SQL of their question; checks get 80. */
function scripted(byQuestion: Map<string, string>) {
  const used = new Map<string, number>();
  return (request: RecordedRequest) => {
    const messages = request.body?.messages ?? [];
    if (String(messages[0]?.content).startsWith("You review")) return checkAnswer(80);
    const question = String(messages[1]?.content);
    const id = byQuestion.get(question);
    if (!id) return { status: 500, message: "unscripted question" };
    const n = used.get(id) ?? 0;
    used.set(id, n + 1);
    const sql = SCRIPT[id][n];
    return sql ? sqlAnswer(sql) : { status: 500, message: "script exhausted" };
  };
}

Deno.test("deno task eval: a scripted run's accuracy, refusals, attempts and tokens are exact", async () => {
  const cluster = await sharedTestCluster();
  const dbUrl = await loadSample(cluster, "pgexercises");
  const { lines, byQuestion } = await pickQuestions(Object.keys(SCRIPT));
  await using llm = startFakeLlm([], { fallback: scripted(byQuestion) });
  const dir = await Deno.makeTempDir();
  try {
    const questions = `${dir}/questions.jsonl`;
    const jsonOut = `${dir}/report.json`;
    await Deno.writeTextFile(questions, lines);
    const env: Record<string, string | undefined> = Object.fromEntries(
      ENV_VARS.map((n) => [n, undefined]),
    );
    Object.assign(env, {
      DATABASE_URL: dbUrl,
      DATABASE_MIN_POOL_SIZE: "0",
      OPENAI_API_KEY: "test-key",
      OPENAI_BASE_URL: llm.url,
      RESILIENCE_MAX_RETRIES: "0",
    });
    let stdout = "";
    let stderr = "";
    let t = 0;
    const status = await runEvalCli(
      ["--questions", questions, "--db-id", "exercises", "--json", jsonOut],
      env,
      {
        stdout: (s) => void (stdout += s),
        stderr: (s) => void (stderr += s),
        stderrIsTty: false,
        now: () => (t += 100), // each question takes 100 ms by this clock
      },
    );
    assert.equal(status, 0, stderr);
    const report = JSON.parse(await Deno.readTextFile(jsonOut)) as EvalReport;
    const outcomes = Object.fromEntries(report.questions.map((q) => [q.id, q.outcome]));
    assert.deepEqual(outcomes, {
      "pgexercises-aggregates-count": "correct",
      "pgexercises-aggregates-count2": "wrong",
      "pgexercises-aggregates-count3": "correct",
      "pgexercises-basic-selectspecific": "correct",
      "pgexercises-updates-insert": "refused",
    });
    const o = report.overall;
    assert.equal(o.questions, 5);
    assert.equal(o.scored, 4);
    assert.equal(o.correct, 3);
    assert.equal(o.execution_accuracy, 0.75);
    assert.equal(o.refusals, 1);
    assert.equal(o.refusals_expected, 1);
    assert.equal(o.write_questions, 1);
    assert.equal(o.repaired, 1);
    assert.equal(o.avg_attempts, 1.2);
    assert.equal(o.latency_ms_p50, 100);
    assert.equal(o.latency_ms_p95, 100);
    assert.equal(o.tokens_total, report.questions.reduce((s, q) => s + q.tokens, 0));
    assert.ok(o.tokens_total > 0);
    assert.equal(report.by_category.aggregates.execution_accuracy, 0.6667);
    assert.equal(report.by_category.basic.execution_accuracy, 1);
    assert.equal(report.by_category.updates.execution_accuracy, null);
    assert.equal(report.by_category.updates.refusals_expected, 1);
    // Markdown on stdout, the progress bar on stderr.
    assert.match(
      stdout,
      /\| \*\*overall\*\* \| 5 \| 4 \| 3 \| 75\.0% \| 1 \(1\/1\) \| 0 \| 1 \| 1\.2 \|/,
    );
    assert.match(stdout, /\| pgexercises-aggregates-count2 \| wrong \| different rows \|/);
    assert.match(stderr, /\[#+\] 5\/5 right 4/);
    // The gold SQL of the write question never ran: the facility table is unchanged.
    assert.equal((await cluster.psql(dbUrl, "SELECT count(*) FROM cd.facilities")).trim(), "9");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task eval: bad arguments exit 2 with the usage", async () => {
  let stderr = "";
  const io = {
    stdout: () => {},
    stderr: (s: string) => void (stderr += s),
    stderrIsTty: false,
    now: () => 0,
  };
  assert.equal(await runEvalCli([], {}, io), 2);
  assert.match(stderr, /--questions FILE is required/);
  assert.match(stderr, /Usage: deno task eval/);
  stderr = "";
  assert.equal(await runEvalCli(["--questions", "x.jsonl", "--limit", "0"], {}, io), 2);
  assert.match(stderr, /--limit must be a positive integer/);
});

Deno.test("deno task eval runs as a user would: its permissions suffice, markdown on stdout", async () => {
  const cluster = await sharedTestCluster();
  const dbUrl = await loadSample(cluster, "pgexercises");
  const ids = ["pgexercises-aggregates-count", "pgexercises-aggregates-count2"];
  const { lines, byQuestion } = await pickQuestions(ids);
  await using llm = startFakeLlm([], { fallback: scripted(byQuestion) });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/questions.jsonl`, lines);
    const env: Record<string, string> = {
      ...Object.fromEntries(ENV_VARS.map((n) => [n, ""])),
      ...hostEnv(),
    };
    Object.assign(env, {
      DATABASE_URL: dbUrl,
      DATABASE_MIN_POOL_SIZE: "0",
      OPENAI_API_KEY: "test-key",
      OPENAI_BASE_URL: llm.url,
      RESILIENCE_MAX_RETRIES: "0",
    });
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "-q",
        "eval",
        "--questions",
        `${dir}/questions.jsonl`,
        "--json",
        `${dir}/r.json`,
      ],
      cwd: new URL("../", import.meta.url).pathname,
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(stdout, /\| \*\*overall\*\* \| 2 \| 2 \| 1 \| 50\.0% \|/);
    assert.match(stderr, /2\/2 right 1/);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/r.json`)) as EvalReport;
    assert.equal(report.overall.execution_accuracy, 0.5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task eval may read exactly the variables the server may", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks;
  const envFlag = (task: string) => task.split(/\s+/).find((a) => a.startsWith("--allow-env"));
  assert.ok(envFlag(tasks.eval));
  assert.equal(envFlag(tasks.eval), envFlag(tasks.start));
});
