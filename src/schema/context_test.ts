import assert from "node:assert/strict";
import { buildSchemaContext } from "./context.ts";
import { renderTable, shortType } from "./render.ts";
import { estimateTokens } from "./tokens.ts";
import type { SchemaSnapshot, TableInfo } from "./types.ts";

function table(i: number, words: string[]): TableInfo {
  return {
    schema: "app",
    name: `t${i}_${words[0]}`,
    kind: "table",
    columns: words.map((w, j) => ({ name: `${w}_${j}`, type: "integer", nullable: j > 0 })),
    primaryKey: [`${words[0]}_0`],
    foreignKeys: i > 0
      ? [{
        name: `fk${i}`,
        columns: [`${words[1]}_1`],
        refSchema: "app",
        refTable: `t0_alpha`,
        refColumns: ["alpha_0"],
      }]
      : [],
  };
}

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
const big: SchemaSnapshot = {
  database: "d",
  loadedAt: 0,
  tables: Array.from({ length: 200 }, (_, i) => table(i, [WORDS[i % 8], ...WORDS, `w${i}`])),
};

Deno.test("buildSchemaContext() sends the whole schema when it fits", () => {
  const small = { ...big, tables: big.tables.slice(0, 2) };
  const ctx = buildSchemaContext(small, "anything", 4000);
  assert.equal(ctx.selected, false);
  assert.equal(ctx.tables.length, 2);
  assert.ok(ctx.text.includes("TABLE app.t0_alpha ("));
});

Deno.test("buildSchemaContext() over budget picks the question's tables within the budget", () => {
  const ctx = buildSchemaContext(big, "rows of w137 please", 1500);
  assert.equal(ctx.selected, true);
  assert.equal(ctx.totalTables, 200);
  assert.equal(ctx.tables[0].name, "t137_bravo");
  assert.ok(ctx.tables.some((t) => t.name === "t0_alpha"), "FK neighbour kept for the join");
  assert.ok(ctx.tokens! <= 1500 && estimateTokens(ctx.text) <= 1500);
  assert.ok(ctx.tables.length < 200);
  assert.match(ctx.text, /^-- \d+ of 200 tables/);
});

Deno.test("renderTable() shows keys, enum values, comments and row estimates compactly", () => {
  const text = renderTable({
    schema: "shop",
    name: "Orders",
    kind: "table",
    comment: "One per\ncheckout",
    estimatedRows: 42,
    columns: [
      { name: "id", type: "bigint", nullable: false },
      { name: "status", type: "shop.st", nullable: false, enumType: "shop.st" },
      { name: "at", type: "timestamp with time zone", nullable: true, comment: "when" },
      { name: "region", type: "character(2)", nullable: true },
      { name: "code", type: "integer", nullable: true },
    ],
    primaryKey: ["id"],
    foreignKeys: [{
      name: "w",
      columns: ["region", "code"],
      refSchema: "shop",
      refTable: "warehouses",
      refColumns: ["region", "code"],
    }],
    uniqueConstraints: [{ name: "u", columns: ["status", "at"] }],
  }, new Map([["shop.st", ["new", "it's done"]]]));
  assert.equal(
    text,
    [
      'TABLE shop."Orders" ( -- One per checkout; ~42 rows',
      "  id bigint NOT NULL PRIMARY KEY,",
      "  status shop.st NOT NULL, -- one of 'new', 'it''s done'",
      "  at timestamptz, -- when",
      "  region char(2),",
      "  code integer,",
      "  UNIQUE (status, at),",
      "  FOREIGN KEY (region, code) REFERENCES shop.warehouses(region, code)",
      ");",
    ].join("\n"),
  );
  assert.equal(shortType("character varying(80)[]"), "varchar(80)[]");
});

Deno.test("estimateTokens() counts words, numbers and symbols", () => {
  assert.equal(estimateTokens(""), 0);
  assert.equal(estimateTokens("select"), 1);
  assert.equal(estimateTokens("select id\n"), 3);
  assert.ok(estimateTokens("x".repeat(60)) >= 10);
});
