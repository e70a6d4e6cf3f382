/**
 * The Spider dev catalog (../shared/data/nl2sql/spider_dev) as one PostgreSQL catalog: one
 * schema per database, tables and columns under their original names, primary and foreign keys.
 * Used by bench/retrieval_bench.ts.
 */

import { sharedData } from "./shared_data.ts";

export interface SpiderDatabase {
  db_id: string;
  table_names_original: string[];
  column_names_original: [number, string][];
  column_types: string[];
  primary_keys: (number | number[])[];
  foreign_keys: [number, number][];
}

export interface SpiderQuestion {
  id: string;
  db_id: string;
  question: string;
  tables: string[];
}

export const SPIDER_DIR = sharedData("nl2sql/spider_dev/");

export async function readSpider(): Promise<
  { databases: SpiderDatabase[]; questions: SpiderQuestion[] }
> {
  const databases = JSON.parse(
    await Deno.readTextFile(new URL("tables.json", SPIDER_DIR)),
  ) as SpiderDatabase[];
  const questions = (await Deno.readTextFile(new URL("questions.jsonl", SPIDER_DIR)))
    .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as SpiderQuestion);
  return { databases, questions };
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

const TYPES: Record<string, string> = {
  text: "text",
  number: "numeric",
  time: "timestamp",
  boolean: "boolean",
  others: "text",
};

/** DDL for every database: CREATE SCHEMA, tables with keys, then foreign keys. */
export function spiderDdl(databases: SpiderDatabase[]): string {
  const out: string[] = [];
  const fks: string[] = [];
  for (const db of databases) {
    const schema = q(db.db_id);
    out.push(`CREATE SCHEMA ${schema};`);
    const cols = db.column_names_original;
    const pkCols = new Set(db.primary_keys.flat());
    // A referencing column takes the referenced column's type (Spider's types disagree at times).
    const types = [...db.column_types];
    for (let pass = 0; pass < 3; pass++) {
      for (const [from, to] of db.foreign_keys) types[from] = types[to];
    }
    const pkByTable = new Map<number, string[]>();
    for (const i of pkCols) {
      const [t, name] = cols[i];
      pkByTable.set(t, [...(pkByTable.get(t) ?? []), name]);
    }
    db.table_names_original.forEach((table, ti) => {
      const seen = new Set<string>();
      const defs = cols.flatMap(([t, name], i) => {
        if (t !== ti || seen.has(name.toLowerCase())) return [];
        seen.add(name.toLowerCase());
        return [`${q(name)} ${TYPES[types[i]] ?? "text"}`];
      });
      const pk = pkByTable.get(ti);
      if (pk) defs.push(`PRIMARY KEY (${[...new Set(pk)].map(q).join(", ")})`);
      out.push(`CREATE TABLE ${schema}.${q(table)} (${defs.join(", ")});`);
    });
    for (const [from, to] of db.foreign_keys) {
      const [ft, fc] = cols[from];
      const [tt, tc] = cols[to];
      if (ft === tt) continue;
      // Spider's keys are not always declared unique on the referenced side: reference a
      // unique index made for the purpose, or skip the key when the data could not hold one.
      const refTable = `${schema}.${q(db.table_names_original[tt])}`;
      fks.push(
        `CREATE UNIQUE INDEX IF NOT EXISTS ${q(`fkref_${to}`)} ON ${refTable} (${q(tc)});`,
        `ALTER TABLE ${schema}.${q(db.table_names_original[ft])} ADD FOREIGN KEY (${
          q(fc)
        }) REFERENCES ${refTable} (${q(tc)});`,
      );
    }
  }
  return [...out, ...fks].join("\n");
}
