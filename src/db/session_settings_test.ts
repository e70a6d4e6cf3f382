import assert from "node:assert/strict";
import postgres from "postgres";
import { sharedTestCluster } from "../../tests/support/test_cluster.ts";
import { limitsFor, transactionPreamble } from "./session_settings.ts";

Deno.test("transactionPreamble() sets every limit and format inside the transaction, for it alone", async () => {
  const cluster = await sharedTestCluster();
  const sql = postgres(cluster.adminUrl, { max: 1, onnotice: () => undefined });
  const read = `SELECT current_setting('transaction_read_only') AS ro,
    current_setting('statement_timeout') AS statement_timeout,
    current_setting('lock_timeout') AS lock_timeout,
    current_setting('idle_in_transaction_session_timeout') AS idle,
    current_setting('TimeZone') AS tz, current_setting('DateStyle') AS datestyle,
    current_setting('IntervalStyle') AS intervalstyle,
    current_setting('extra_float_digits') AS digits,
    current_setting('bytea_output') AS bytea, current_setting('jit') AS jit`;
  try {
    await sql.unsafe("SET TimeZone = 'Asia/Tokyo'; SET IntervalStyle = 'sql_standard'");
    const outside = (await sql.unsafe(read))[0];
    for (const [readOnly, jit] of [[true, true], [true, false], [false, true]]) {
      await sql.unsafe(transactionPreamble(readOnly, limitsFor(2.5), jit)); // simple protocol
      const inside = (await sql.unsafe(read))[0];
      await sql.unsafe("COMMIT"); // LOCAL: gone even when the transaction commits
      assert.deepEqual({ ...inside }, {
        ro: readOnly ? "on" : "off",
        statement_timeout: "2500ms",
        lock_timeout: "2500ms",
        idle: "7500ms",
        tz: "UTC",
        datestyle: "ISO, YMD",
        intervalstyle: "iso_8601",
        digits: "1",
        bytea: "hex",
        jit: jit ? outside.jit : "off",
      });
      assert.deepEqual(
        { ...(await sql.unsafe(read))[0] },
        { ...outside },
        "gone with the transaction",
      );
    }
  } finally {
    await sql.end();
  }
});
