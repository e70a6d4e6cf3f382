import postgres from "postgres";
const sql = postgres("postgres://postgres@127.0.0.1:55433/postgres", { max: 1, prepare: false, connection: { default_transaction_read_only: true, statement_timeout: 3000 } });
const conn = await sql.reserve();
async function cycle(reset: string | null) {
  await conn.unsafe("BEGIN READ ONLY");
  await conn.unsafe("SELECT set_config('statement_timeout', $1, true)", ["3000"]);
  await conn.unsafe("SELECT 1", [], { prepare: false, simple: false } as never);
  await conn.unsafe("ROLLBACK");
  if (reset) await conn.unsafe(reset);
}
for (const reset of [null, "DISCARD ALL", "SELECT pg_advisory_unlock_all()", null, "DISCARD ALL"]) {
  for (let i = 0; i < 300; i++) await cycle(reset);
  const t = performance.now();
  for (let i = 0; i < 2000; i++) await cycle(reset);
  console.log(reset, ((performance.now() - t) / 2000).toFixed(3), "ms/call");
}
await conn.unsafe("SELECT pg_advisory_lock(7)");
await conn.unsafe("SET statement_timeout = 0");
await conn.unsafe("DISCARD ALL");
console.log(await conn.unsafe("SELECT current_setting('default_transaction_read_only') ro, current_setting('statement_timeout') st, (select count(*) from pg_locks where locktype='advisory') locks"));
conn.release(); await sql.end();
