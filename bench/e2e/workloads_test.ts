import assert from "node:assert/strict";
import type { Session } from "./session.ts";
import { expectRows } from "./workloads.ts";

const returning = (rows: number): Session => ({
  mode: "stdio",
  query: () => Promise.resolve(rows),
  close: () => Promise.resolve(),
});

Deno.test("expectRows() fails a call that returns fewer rows than asked: it would look fast", async () => {
  await expectRows(returning(100_000), "SELECT * FROM t", 100_000);
  await assert.rejects(
    expectRows(returning(9_999), "SELECT * FROM t", 10_000),
    /^Error: Cannot measure stdio: 9999 rows for "SELECT \* FROM t", expected 10000$/,
  );
});
