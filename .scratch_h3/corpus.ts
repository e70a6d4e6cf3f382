import { createSqlParser } from "../src/sql/parse.ts";
import { validateSql } from "../src/sql/validate.ts";
import { DEFAULT_BLOCKED_FUNCTIONS } from "../src/config/blocked_functions.ts";
const parser = await createSqlParser();
const policy = { blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS) };
const attacks = (await Deno.readTextFile("tests/fixtures/sql/attacks-sample.sql")).split("\n").filter((l) => l.trim() && !l.startsWith("--"));
const counts: Record<string, number> = {};
for (const a of attacks) {
  const r = validateSql(a, parser, policy);
  const k = r.ok ? "ACCEPTED" : `${r.error.code}:${r.error.details.reason ?? ""}`;
  counts[k] = (counts[k] ?? 0) + 1;
  if (r.ok) console.log("ACCEPTED:", a);
}
console.log(attacks.length, counts);
