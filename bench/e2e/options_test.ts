import assert from "node:assert/strict";
import { parseOptions, WORKLOAD_NAMES } from "./options.ts";

Deno.test("parseOptions() runs everything by default", () => {
  const r = parseOptions([]);
  assert.ok(r.ok);
  assert.deepEqual([...r.value.only], [...WORKLOAD_NAMES]);
  assert.deepEqual(r.value.modes, ["raw", "reference", "stdio", "http"]);
  assert.equal(r.value.json, undefined);
});

Deno.test("parseOptions() takes subsets (modes in report order) and a JSON file", () => {
  const r = parseOptions(["--only", "select1,rows100k", "--modes=stdio,raw", "--json", "out.json"]);
  assert.ok(r.ok);
  assert.deepEqual([...r.value.only], ["select1", "rows100k"]);
  assert.deepEqual(r.value.modes, ["raw", "stdio"]);
  assert.equal(r.value.json, "out.json");
});

Deno.test("parseOptions() names what it cannot read", () => {
  const bad = (args: string[]) => {
    const r = parseOptions(args);
    assert.ok(!r.ok);
    return r.message;
  };
  assert.match(bad(["--only", "select2"]), /^Cannot read --only: "select2" is not one of cold,/);
  assert.match(bad(["--modes", "grpc"]), /"grpc" is not one of raw,reference,stdio,http/);
  assert.match(bad(["--modes"]), /^Cannot read --modes: it needs one of/);
  assert.match(bad(["--json"]), /^Cannot read --json: it needs a file name/);
  assert.match(bad(["--fast"]), /^Cannot read the argument "--fast": unknown/);
});
