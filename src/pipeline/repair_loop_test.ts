import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import { isRepairable, summarize } from "./repair_loop.ts";

const db = (sqlstate: string) => new AppError("DB_FAILED", "x", { sqlstate });

Deno.test("isRepairable() repairs syntax, names, types, ambiguity, timeouts and answers without SQL", () => {
  for (
    const state of ["42601", "42703", "42P01", "42804", "42702", "42883", "42803", "22P02", "21000"]
  ) {
    assert.equal(isRepairable(db(state)), true, state);
  }
  assert.equal(isRepairable(new AppError("SQL_PARSE_FAILED", "x")), true);
  assert.equal(isRepairable(new AppError("DB_TIMEOUT", "x", { sqlstate: "57014" })), true);
  assert.equal(isRepairable(new AppError("LLM_BAD_OUTPUT", "x")), true);
});

Deno.test("isRepairable() never repairs refusals, privileges, outages or cancellations", () => {
  for (
    const e of [
      new AppError("SECURITY_VIOLATION", "x", { reason: "not_select" }),
      db("42501"),
      db("53100"),
      new AppError("DB_FAILED", "no sqlstate"),
      new AppError("DB_UNAVAILABLE", "x"),
      new AppError("DB_CANCELLED", "x"),
      new AppError("LLM_TIMEOUT", "x"),
      new AppError("LLM_UNAVAILABLE", "x"),
    ]
  ) {
    assert.equal(isRepairable(e), false, `${e.code} ${e.details.sqlstate ?? ""}`);
  }
});

Deno.test("summarize() keeps PostgreSQL's message, sqlstate, hint and position", () => {
  const e = new AppError("DB_FAILED", "Cannot run the query: column", {
    sqlstate: "42703",
    message: 'column "x" does not exist',
    hint: "Perhaps y",
    position: 8,
  });
  assert.deepEqual(summarize(e), {
    code: "DB_FAILED",
    message: 'column "x" does not exist',
    sqlstate: "42703",
    hint: "Perhaps y",
    position: 8,
  });
  assert.deepEqual(summarize(new AppError("LLM_BAD_OUTPUT", "Cannot find SQL")), {
    code: "LLM_BAD_OUTPUT",
    message: "Cannot find SQL",
  });
});
