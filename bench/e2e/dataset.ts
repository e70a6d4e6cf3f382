/**
 * The generated dataset every mode reads: one table of typed columns, created once per run, and
 * the statements of the workloads. Every mode runs the same SQL text.
 */

/** Rows in the table: enough for the 100,000-row workload. */
export const TABLE_ROWS = 100_000;

export const TABLE = "bench_rows";

/** SQL creating and filling the table (run once, as the superuser, through psql). */
export const CREATE_DATASET_SQL = `
CREATE TABLE ${TABLE} (
  id integer PRIMARY KEY,
  big bigint NOT NULL,
  amount numeric(12, 2) NOT NULL,
  label text NOT NULL,
  created_at timestamptz NOT NULL,
  flag boolean NOT NULL,
  tags jsonb NOT NULL
);
INSERT INTO ${TABLE}
SELECT i,
       i::bigint * 1000003,
       round((i * 37 % 100000) / 7.0, 2),
       'item ' || i || ' ' || md5(i::text),
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute',
       i % 3 = 0,
       jsonb_build_object('n', i, 'even', i % 2 = 0)
  FROM generate_series(1, ${TABLE_ROWS}) AS s(i);
ANALYZE ${TABLE};
`;

export const SELECT_ONE = "SELECT 1 AS one";

/** The statement of the i-th primary-key lookup: the same spread of ids in every mode. */
export function pkLookup(i: number): string {
  return `SELECT * FROM ${TABLE} WHERE id = ${(i * 7919) % TABLE_ROWS + 1}`;
}

/** The first `n` rows, in key order. */
export function firstRows(n: number): string {
  return `SELECT * FROM ${TABLE} WHERE id <= ${n} ORDER BY id`;
}
