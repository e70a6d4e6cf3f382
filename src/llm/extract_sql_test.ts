import assert from "node:assert/strict";
import { extractSql } from "./extract_sql.ts";

Deno.test("extractSql() reads the sql field of a JSON answer, without the trailing semicolon", () => {
  assert.equal(
    extractSql('{"sql": "SELECT 1;", "explanation": "one", "assumptions": []}'),
    "SELECT 1",
  );
});

Deno.test("extractSql() takes a fenced sql block out of prose", () => {
  const answer = "Here you go:\n```sql\nSELECT name\nFROM cd.facilities;\n```\nThat lists them.";
  assert.equal(extractSql(answer), "SELECT name\nFROM cd.facilities");
});

Deno.test("extractSql() finds an upper-case statement in prose and cuts the sentence after it", () => {
  assert.equal(
    extractSql("The query is SELECT count(*) FROM cd.members; It counts the members."),
    "SELECT count(*) FROM cd.members",
  );
});

Deno.test("extractSql() finds a lower-case statement that starts a line", () => {
  assert.equal(extractSql("Try this:\nselect 1 as one"), "select 1 as one");
});

Deno.test("extractSql() finds nothing in prose that only uses SQL words in lower case", () => {
  assert.equal(extractSql("I can help with that, but please select a table first."), undefined);
  assert.equal(extractSql(""), undefined);
  assert.equal(extractSql('{"sql": "", "explanation": "no idea"}'), undefined);
});

Deno.test("extractSql() keeps several statements together so the validator sees them all", () => {
  assert.equal(extractSql("```sql\nSELECT 1; DROP TABLE x;\n```"), "SELECT 1; DROP TABLE x");
});
