import assert from "node:assert/strict";
import { parseJsonLines } from "./jsonl.ts";

Deno.test("parseJsonLines() returns objects with their line numbers, skipping blank lines", () => {
  assert.deepEqual(parseJsonLines('{"a":1}\n\n  \r\n{"b":2}\n'), {
    ok: true,
    lines: [{ line: 1, value: { a: 1 } }, { line: 4, value: { b: 2 } }],
  });
});

Deno.test("parseJsonLines() names the first line that is not a JSON object", () => {
  const bad = parseJsonLines('{"a":1}\n[1,2]\n{oops');
  assert.deepEqual(bad, { ok: false, line: 2, problem: "not a JSON object" });
  const broken = parseJsonLines('{"a":1}\n{oops');
  assert.equal(!broken.ok && broken.line, 2);
  assert.match(!broken.ok ? broken.problem : "", /^not valid JSON/);
});
