import assert from "node:assert/strict";
import { PLANTED_BUGS } from "./bugs.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("every planted bug still applies: its text occurs once, its test files exist", async () => {
  const names = new Set<string>();
  for (const bug of PLANTED_BUGS) {
    assert.ok(!names.has(bug.name), `${bug.name}: named twice`);
    names.add(bug.name);
    const text = await Deno.readTextFile(`${ROOT}${bug.file}`);
    assert.equal(text.split(bug.find).length, 2, `${bug.name}: not exactly once in ${bug.file}`);
    assert.notEqual(bug.find, bug.replace, bug.name);
    assert.ok(bug.tests.length > 0, bug.name);
    for (const test of bug.tests) {
      assert.ok((await Deno.stat(`${ROOT}${test}`)).isFile, `${bug.name}: ${test}`);
    }
    const reachable = bug.tests.some((t) => t.startsWith("tests/"));
    assert.ok(reachable || bug.unitOnly, `${bug.name}: unit tests only, and no reason given`);
  }
});
