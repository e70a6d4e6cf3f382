/**
 * The BIRD development databases (../shared/data/nl2sql/bird_dev_public) as PostgreSQL schemas,
 * one per database, for bench/retrieval_bench.ts.
 *
 * Two ways to load them:
 * - `plain`: each `schemas_pg/NAME.sql` run verbatim in schema NAME, as the data README says. Its
 *   descriptions, keys and foreign keys are SQL comments, so PostgreSQL keeps none of them:
 *   bare tables and columns (unquoted mixed-case names folded to lower case), the way many real
 *   warehouses look from the catalog.
 * - `annotated`: the same, plus what the comments say turned into catalog facts: `COMMENT ON`
 *   for tables and columns, the primary keys and the foreign keys (many-to-one and one-to-one;
 *   each behind its own savepoint-like DO block, since BIRD's types do not always agree).
 * - `json`: from `schemas.json` (BIRD's own `dev_tables.json`) instead: original-case names
 *   (quoted: `raceId`, `NumTstTakr`), primary and foreign keys, and BIRD's short column
 *   descriptions (`NumTstTakr`: "Number of Test Takers") as column comments when they say more
 *   than the name.
 */

import { sharedData } from "./shared_data.ts";

export interface BirdQuestion {
  id: string;
  db_id: string;
  question: string;
  evidence?: string;
  tables: string[];
}

export type BirdMode = "plain" | "annotated" | "json";

export const BIRD_DIR = sharedData("nl2sql/bird_dev_public/");

export async function readBird(): Promise<{ names: string[]; questions: BirdQuestion[] }> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(new URL("schemas_pg/", BIRD_DIR))) {
    if (entry.name.endsWith(".sql")) names.push(entry.name.slice(0, -4));
  }
  const questions = (await Deno.readTextFile(new URL("questions.jsonl", BIRD_DIR)))
    .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as BirdQuestion);
  return { names: names.sort(), questions };
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** DDL for every BIRD database, each in its own schema. */
export async function birdDdl(names: string[], mode: BirdMode): Promise<string> {
  if (mode === "json") {
    const schemas = JSON.parse(await Deno.readTextFile(new URL("schemas.json", BIRD_DIR)));
    return names.map((name) => jsonDdl(name, schemas[name])).join("\n");
  }
  const out: string[] = [];
  for (const name of names) {
    const ddl = await Deno.readTextFile(new URL(`schemas_pg/${name}.sql`, BIRD_DIR));
    out.push(`CREATE SCHEMA ${q(name)};`, `SET search_path = ${q(name)};`);
    if (/\bdatetime\b/.test(ddl)) out.push("CREATE DOMAIN datetime AS timestamp;");
    out.push(ddl.trim().replace(/;?$/, ";"));
    if (mode === "annotated") out.push(...annotations(ddl));
  }
  out.push("RESET search_path;");
  return out.join("\n");
}

interface Pending {
  text: string[];
  primaryKey?: string[];
  references: [string, string][];
}

interface ParsedTable {
  name: string;
  comment?: string;
  primaryKey: string[];
  /** Column as written (quoted or not), its comment and the columns it references. */
  columns: { name: string; comment?: string; references: [string, string][] }[];
}

/** COMMENT ON, PRIMARY KEY and FOREIGN KEY statements from the DDL's comments. */
function annotations(ddl: string): string[] {
  const tables = parseAnnotated(ddl);
  const byName = new Map(tables.map((t) => [unquote(t.name), t]));
  /** A name as the comments write it, as the DDL wrote it (so it folds the same way). */
  const column = (t: ParsedTable, name: string) =>
    t.columns.find((c) => unquote(c.name) === unquote(name))?.name;
  const out: string[] = [];
  const fks: string[] = [];
  for (const t of tables) {
    if (t.comment) out.push(`COMMENT ON TABLE ${t.name} IS ${lit(t.comment)};`);
    const pk = t.primaryKey.map((c) => column(t, c));
    if (pk.length && pk.every(Boolean)) {
      out.push(`ALTER TABLE ${t.name} ADD PRIMARY KEY (${pk.join(", ")});`);
    }
    for (const c of t.columns) {
      if (c.comment) out.push(`COMMENT ON COLUMN ${t.name}.${c.name} IS ${lit(c.comment)};`);
      for (const [refName, refColumnName] of c.references) {
        const ref = byName.get(unquote(refName));
        const refColumn = ref && column(ref, refColumnName);
        if (!ref || !refColumn) continue;
        fks.push(
          `DO $$ BEGIN CREATE UNIQUE INDEX ON ${ref.name} (${refColumn}); ` +
            `ALTER TABLE ${t.name} ADD FOREIGN KEY (${c.name}) REFERENCES ${ref.name} ` +
            `(${refColumn}); EXCEPTION WHEN others THEN NULL; END $$;`,
        );
      }
    }
  }
  return [...out, ...fks];
}

/** Lower-cased, quotes dropped: how the comments and the DDL's names are compared. */
function unquote(name: string): string {
  return name.replace(/^"(.*)"$/, "$1").replaceAll('""', '"').toLowerCase();
}

function parseAnnotated(ddl: string): ParsedTable[] {
  const tables: ParsedTable[] = [];
  let pending: Pending = { text: [], references: [] };
  let table: ParsedTable | undefined;
  for (const raw of ddl.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("--")) {
      const body = line.slice(2).trim();
      const pk = body.match(/^\d+ rows, primary key: \((.*)\)$/);
      const fk = body.match(/^Foreign keys: (.*)$/);
      if (pk) pending.primaryKey = pk[1].split(",").map((c) => c.trim());
      else if (fk) {
        for (const m of fk[1].matchAll(/("[^"]+"|[^\s.]+)\.(\S+) \((many-to-one|one-to-one)\)/g)) {
          pending.references.push([m[1], m[2]]);
        }
      } else if (!body.startsWith("Stats:")) pending.text.push(body);
      continue;
    }
    const create = line.match(/^CREATE TABLE (.+?) \($/);
    if (create) {
      table = {
        name: create[1],
        ...(pending.text.length ? { comment: pending.text.join(" ") } : {}),
        primaryKey: pending.primaryKey ?? [],
        columns: [],
      };
      tables.push(table);
    } else if (table && line && !line.startsWith(")")) {
      const name = line.match(/^("(?:[^"]|"")+"|\S+)\s/)?.[1];
      if (name) {
        table.columns.push({
          name,
          ...(pending.text.length ? { comment: pending.text.join(" ") } : {}),
          references: pending.references,
        });
      }
    }
    pending = { text: [], references: [] };
  }
  return tables;
}

interface JsonSchema {
  tables: {
    name: string;
    description?: string;
    columns: { name: string; type: string; description?: string }[];
    primary_key: string[];
  }[];
  foreign_keys: { from_table: string; from_column: string; to_table: string; to_column: string }[];
}

const JSON_TYPES: Record<string, string> = { integer: "integer", real: "real", date: "date" };

/** One database of schemas.json as DDL in its own schema. */
function jsonDdl(name: string, db: JsonSchema): string {
  const schema = q(name);
  const out = [`CREATE SCHEMA ${schema};`];
  const says = (description: string | undefined, of: string) =>
    description && description.toLowerCase().replace(/[^a-z0-9]/g, "") !==
        of.toLowerCase().replace(/[^a-z0-9]/g, "")
      ? description
      : undefined;
  for (const t of db.tables) {
    const seen = new Set<string>();
    const defs = t.columns.filter((c) => !seen.has(c.name) && seen.add(c.name))
      .map((c) => `${q(c.name)} ${JSON_TYPES[c.type] ?? "text"}`);
    if (t.primary_key.length) defs.push(`PRIMARY KEY (${t.primary_key.map(q).join(", ")})`);
    out.push(`CREATE TABLE ${schema}.${q(t.name)} (${defs.join(", ")});`);
    const comment = says(t.description, t.name);
    if (comment) out.push(`COMMENT ON TABLE ${schema}.${q(t.name)} IS ${lit(comment)};`);
    for (const c of t.columns) {
      const text = says(c.description, c.name);
      if (text) {
        out.push(`COMMENT ON COLUMN ${schema}.${q(t.name)}.${q(c.name)} IS ${lit(text)};`);
      }
    }
  }
  for (const fk of db.foreign_keys) {
    const ref = `${schema}.${q(fk.to_table)}`;
    out.push(
      `DO $$ BEGIN CREATE UNIQUE INDEX ON ${ref} (${q(fk.to_column)}); ` +
        `ALTER TABLE ${schema}.${q(fk.from_table)} ADD FOREIGN KEY (${q(fk.from_column)}) ` +
        `REFERENCES ${ref} (${q(fk.to_column)}); EXCEPTION WHEN others THEN NULL; END $$;`,
    );
  }
  return out.join("\n");
}
