/**
 * Every statement of tests/fixtures/sql/valid-select-sample.sql is accepted by the whole
 * validator (grammar rules and the catalog of a fresh PostgreSQL 15 database), except the
 * intended refusals listed with their reasons in valid-select-refusals.json: the counts cannot
 * drift silently. (libpg-query 18's grammar also accepts the 4 statements marked "pg15: no".)
 */
import assert from "node:assert/strict";
import { loadSqlParser, splitSql } from "../../src/sql/parse.ts";
import { checkSql } from "../../src/sql/validate.ts";
import { sharedTestCluster, uniqueName } from "../support/test_cluster.ts";
import { defaultPolicy, openTestDb } from "../support/read_only_db.ts";

interface Refusal {
  source: string;
  reason: string;
  detail: string;
}

Deno.test("the valid SELECT sample is accepted, except the intended refusals", async () => {
  const cluster = await sharedTestCluster();
  const url = await cluster.createDatabase(uniqueName("corpus"));
  const db = openTestDb(url);
  try {
    const parser = await loadSqlParser();
    const policy = defaultPolicy(db);
    const file = new URL("../fixtures/sql/valid-select-sample.sql", import.meta.url);
    const text = await Deno.readTextFile(file);
    const statements = splitSql(text);
    assert.ok(statements.ok);
    assert.equal(statements.value.length, 300);
    const refused: Refusal[] = [];
    for (const sql of statements.value) {
      const r = await checkSql(sql, parser, policy);
      if (r.ok) continue;
      const details = r.error.details;
      refused.push({
        source: sourceOf(text, sql),
        reason: String(details.reason ?? r.error.code),
        detail: String(details.relation ?? details.function ?? details.operator ?? ""),
      });
    }
    const expected = JSON.parse(
      await Deno.readTextFile(
        new URL("../fixtures/sql/valid-select-refusals.json", import.meta.url),
      ),
    ) as { refusals: Refusal[] };
    assert.deepEqual(refused, expected.refusals);
    // deno-lint-ignore no-console -- the counts the lead reports
    console.log(`valid sample: ${300 - refused.length} accepted, ${refused.length} refused`);
  } finally {
    await db.close();
  }
});

/** The "-- source: file:line" comment above a statement of the sample. */
function sourceOf(file: string, sql: string): string {
  const at = file.indexOf(sql);
  const comment = file.lastIndexOf("-- source: ", at);
  return file.slice(comment + "-- source: ".length, file.indexOf("\n", comment));
}
