/**
 * Sample databases for tests (files in tests/fixtures/, see its README): `loadSample()` gives
 * each caller its own uniquely named copy. Each sample is loaded once per cluster into a template
 * database; every call then copies it with `CREATE DATABASE ... TEMPLATE`, which is cheap.
 *
 * The upstream scripts create and connect to their own database (and pgexercises also creates a
 * cluster-wide role `pgexercises`, grants it SELECT and makes its database read-only by default).
 * The files stay verbatim; `sampleSql()` strips those statements in memory so the objects land
 * in our database, owned by the superuser, with default settings.
 */

import { type TestCluster, uniqueName } from "./test_cluster.ts";

export type SampleName = "pgexercises" | "chinook";

interface SampleSpec {
  file: URL;
  /** Everything up to and including the first line matching this is dropped. */
  preambleEnd: RegExp;
  /** Later lines matching any of these are dropped. */
  dropLines: RegExp[];
}

const SAMPLES: Record<SampleName, SampleSpec> = {
  pgexercises: {
    file: new URL("../fixtures/pgexercises/clubdata.sql", import.meta.url),
    preambleEnd: /^\\c\s+exercises\s*$/,
    dropLines: [/^\s*alter\s+database\b/i, /\bpgexercises\s*;\s*$/i],
  },
  chinook: {
    // One copy in the project: the demo database's (its license beside it).
    file: new URL("../../src/demo/data/Chinook_PostgreSql.sql", import.meta.url),
    preambleEnd: /^\\c\s+chinook\s*;?\s*$/,
    dropLines: [],
  },
};

/** The sample's SQL script, minus the statements that create/configure its own database. */
export async function sampleSql(sample: SampleName): Promise<string> {
  const spec = SAMPLES[sample];
  const lines = (await Deno.readTextFile(spec.file)).split("\n");
  const start = lines.findIndex((line) => spec.preambleEnd.test(line));
  if (start < 0) throw new Error(`${sample}: no line matches ${spec.preambleEnd}`);
  return lines.slice(start + 1)
    .filter((line) => !spec.dropLines.some((re) => re.test(line)))
    .join("\n");
}

const templates = new WeakMap<TestCluster, Map<SampleName, Promise<string>>>();

/** Creates a uniquely named database holding `sample` and returns its (superuser) URL. */
export async function loadSample(cluster: TestCluster, sample: SampleName): Promise<string> {
  const template = await sampleTemplate(cluster, sample);
  return cluster.createDatabase(uniqueName(sample), { template });
}

/** Name of the cluster's template database for `sample`, loading it on first use. */
function sampleTemplate(cluster: TestCluster, sample: SampleName): Promise<string> {
  let byName = templates.get(cluster);
  if (!byName) templates.set(cluster, byName = new Map());
  let template = byName.get(sample);
  if (!template) {
    const name = uniqueName(`tpl_${sample}`);
    template = sampleSql(sample)
      .then((sql) => cluster.createDatabase(name, { sql: [sql] }))
      .then(() => name);
    template.catch(() => byName.delete(sample));
    byName.set(sample, template);
  }
  return template;
}
