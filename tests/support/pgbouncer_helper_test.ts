import assert from "node:assert/strict";
import postgres from "postgres";
import { isRoot } from "./command.ts";
import { pgBouncerIni, startPgBouncer, userlist } from "./pgbouncer.ts";
import { isAlive } from "./postmaster.ts";
import { sharedTestCluster, uniqueName } from "./test_cluster.ts";

async function query(url: string, text: string, connection: Record<string, unknown> = {}) {
  const sql = postgres(url, {
    max: 1,
    connect_timeout: 5,
    onnotice: () => {},
    connection: connection as Record<string, string>,
  });
  try {
    return await sql.unsafe(text);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** `SHOW CONFIG` of the admin console as { key: value }. */
async function showConfig(admin: (c: string) => Promise<string>): Promise<Record<string, string>> {
  const lines = (await admin("SHOW CONFIG")).trim().split("\n");
  return Object.fromEntries(lines.map((l) => l.split("|")).map(([k, v]) => [k, v]));
}

Deno.test("pgBouncerIni is the stock configuration: only extra_float_digits ignored", () => {
  const ini = pgBouncerIni({
    dir: "/tmp/x",
    port: 6432,
    serverPort: 5432,
    poolMode: "transaction",
    authType: "trust",
  });
  assert.match(ini, /^\* = host=127\.0\.0\.1 port=5432$/m);
  assert.match(ini, /^listen_addr = 127\.0\.0\.1$/m);
  assert.match(ini, /^ignore_startup_parameters = extra_float_digits$/m);
  assert.match(ini, /^pool_mode = transaction$/m);
  assert.match(ini, /^unix_socket_dir = $/m);
  assert.doesNotMatch(ini, /server_reset_query|track_extra_parameters/, "defaults left alone");
});

Deno.test("userlist quotes names and passwords", () => {
  assert.equal(
    userlist([{ name: "postgres" }, { name: 'a"b', password: 'p"w' }]),
    '"postgres" ""\n"a""b" "p""w"\n',
  );
});

Deno.test("startPgBouncer: transaction pooling in front of the cluster, stock, stopped by PID", async () => {
  const cluster = await sharedTestCluster();
  const bouncer = await startPgBouncer(cluster, { poolMode: "transaction" });
  try {
    assert.equal(bouncer.host, "127.0.0.1");
    assert.notEqual(bouncer.port, cluster.port);
    const [row] = await query(
      bouncer.urlFor("postgres"),
      "SELECT current_database() AS db, inet_server_port() AS port",
    );
    assert.deepEqual({ ...row }, { db: "postgres", port: cluster.port }, "reaches the cluster");
    // extra_float_digits is ignored; any other parameter pg-mcp might send is refused.
    const [efd] = await query(bouncer.urlFor("postgres"), "SELECT 1 AS one", {
      extra_float_digits: 1,
    });
    assert.equal(efd.one, 1);
    await assert.rejects(
      query(bouncer.urlFor("postgres"), "SELECT 1", { default_transaction_read_only: true }),
      /unsupported startup parameter: default_transaction_read_only/,
    );
    const config = await showConfig((c) => bouncer.admin(c));
    assert.equal(config.pool_mode, "transaction");
    assert.equal(config.ignore_startup_parameters, "extra_float_digits");
    assert.equal(config.server_reset_query, "DISCARD ALL");
    assert.match(await bouncer.admin("SHOW POOLS"), /^postgres\|postgres\|/m);
    if (isRoot()) {
      const status = await Deno.readTextFile(`/proc/${bouncer.pid}/status`);
      const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      assert.notEqual(uid, "0", "PgBouncer runs as the postgres OS user, not root");
    }
  } finally {
    await bouncer.stop();
  }
  await bouncer.stop(); // idempotent
  assert.equal(isAlive(bouncer.pid), false);
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port: bouncer.port }),
    Deno.errors.ConnectionRefused,
  );
});

Deno.test("startPgBouncer: session pooling is configured and serves a session", async () => {
  const cluster = await sharedTestCluster();
  await using bouncer = await startPgBouncer(cluster, { poolMode: "session" });
  assert.equal((await showConfig((c) => bouncer.admin(c))).pool_mode, "session");
  const sql = postgres(bouncer.urlFor("postgres"), { max: 1, onnotice: () => {} });
  try {
    await sql`SET application_name = 'kept-by-session'`;
    const [row] = await sql`SELECT current_setting('application_name') AS name`;
    assert.equal(row.name, "kept-by-session");
  } finally {
    await sql.end({ timeout: 1 });
  }
});

Deno.test("startPgBouncer: scram-sha-256 checks passwords from the userlist", async () => {
  const cluster = await sharedTestCluster();
  const role = uniqueName("scram_user");
  await cluster.psql("postgres", `CREATE ROLE ${role} LOGIN`);
  try {
    await using bouncer = await startPgBouncer(cluster, {
      poolMode: "transaction",
      authType: "scram-sha-256",
      users: [{ name: role, password: "right-password" }],
    });
    // The admin console logs in with the generated admin password.
    assert.equal((await showConfig((c) => bouncer.admin(c))).auth_type, "scram-sha-256");
    const [row] = await query(
      bouncer.urlFor("postgres", role, "right-password"),
      "SELECT current_user AS who",
    );
    assert.equal(row.who, role);
    await assert.rejects(
      query(bouncer.urlFor("postgres", role, "wrong-password"), "SELECT 1"),
      /password authentication failed|SASL authentication failed/,
    );
  } finally {
    await cluster.psql("postgres", `DROP ROLE IF EXISTS ${role}`);
  }
});

Deno.test("startPgBouncer refuses md5 or scram users without a password", async () => {
  const cluster = await sharedTestCluster();
  await assert.rejects(
    startPgBouncer(cluster, {
      poolMode: "session",
      authType: "md5",
      users: [{ name: "nopass" }],
    }),
    /every user needs a password/,
  );
});

Deno.test("a PgBouncer the test forgot to stop is stopped at exit (unload)", async () => {
  const cluster = await sharedTestCluster();
  const helper = new URL("./pgbouncer.ts", import.meta.url).href;
  const code = `import { startPgBouncer } from "${helper}";
    const b = await startPgBouncer({ host: "127.0.0.1", port: ${cluster.port} } as never, { poolMode: "session" });
    console.log(JSON.stringify({ pid: b.pid, port: b.port }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const { pid, port } = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(isAlive(pid), false, `PgBouncer ${pid} outlived its process`);
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
});
