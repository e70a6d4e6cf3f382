import assert from "node:assert/strict";
import { fold, questionWords, segment, splitWords, stem, terms } from "./words.ts";

Deno.test("splitWords() splits separators, camelCase humps, acronyms and digits, folded", () => {
  assert.deepEqual(splitWords("customerID HTTPServer addr2 Ship_Date São"), [
    "customer",
    "id",
    "http",
    "server",
    "addr",
    "2",
    "ship",
    "date",
    "sao",
  ]);
  assert.deepEqual(splitWords("posthistorytypeid"), ["posthistorytypeid"], "a run stays whole");
});

Deno.test("fold() drops case and accents", () => {
  assert.equal(fold("São Paulo ÉCOLE Müller"), "sao paulo ecole muller");
});

Deno.test("segment() splits a run-together name into known words, fewest pieces first", () => {
  const known = new Set(["post", "history", "type", "driver", "standing", "standings", "lap"]);
  const isWord = (w: string) => known.has(w) || w === "id";
  assert.deepEqual(segment("posthistorytypeid", isWord), ["post", "history", "type", "id"]);
  assert.deepEqual(segment("driverstandings", isWord), ["driver", "standings"]);
  assert.deepEqual(segment("laptimes", isWord), undefined, "'times' is not known");
  assert.deepEqual(segment("driver", isWord), undefined, "one piece is no split");
  assert.deepEqual(segment("lapdriver2", isWord), ["lap", "driver", "2"], "trailing digits");
});

Deno.test("questionWords() keeps letter-digit tokens whole as well as split", () => {
  assert.deepEqual(questionWords("What was his Q1 time in 2008?"), [
    "q1",
    "q",
    "1",
    "time",
    "2008",
  ]);
  assert.deepEqual(terms("How many orders?"), ["order"]);
  assert.equal(stem("companies"), "company");
});
