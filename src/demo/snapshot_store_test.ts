import assert from "node:assert/strict";
import { join } from "node:path";
import { createMemoryLogger } from "../log.ts";
import { openSnapshotStore } from "./snapshot_store.ts";

const HOUR = 60 * 60 * 1000;

Deno.test("openSnapshotStore() saves atomically, reads back, and removes older versions", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const log = createMemoryLogger();
    const dir = join(cacheDir, "demo");
    await Deno.mkdir(dir);
    const older = join(dir, "chinook-00aa.tar.gz");
    const staleTemp = join(dir, "chinook-00aa.tar.gz.1234abcd.tmp");
    const freshTemp = join(dir, "chinook-00bb.tar.gz.5678abcd.tmp");
    const unrelated = join(dir, "notes.txt");
    for (const f of [older, staleTemp, freshTemp, unrelated]) await Deno.writeTextFile(f, "x");
    const now = () => Date.now() + 2 * HOUR; // the temporary files are two hours old by then
    await Deno.utime(freshTemp, new Date(now()), new Date(now()));

    const store = openSnapshotStore({ cacheDir, sample: "chinook", versionKey: "1f", log, now });
    assert.equal(store.path, join(dir, "chinook-1f.tar.gz"));
    assert.equal(await store.read(), undefined);
    const saved = await store.write(new Uint8Array([1, 2, 3]));
    assert.ok(saved.ok);
    assert.deepEqual(await store.read(), new Uint8Array([1, 2, 3]));
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["chinook-00bb.tar.gz.5678abcd.tmp", "chinook-1f.tar.gz", "notes.txt"]);
    await store.discard();
    assert.equal(await store.read(), undefined);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("openSnapshotStore() reports an unwritable directory and leaves no file", async () => {
  const parent = await Deno.makeTempDir();
  try {
    // A regular file where the cache directory should be: any write fails, even as root.
    const cacheDir = join(parent, "not-a-directory");
    await Deno.writeTextFile(cacheDir, "x");
    const store = openSnapshotStore({
      cacheDir,
      sample: "chinook",
      versionKey: "1f",
      log: createMemoryLogger(),
    });
    const saved = await store.write(new Uint8Array([1]));
    assert.ok(!saved.ok);
    assert.match(saved.error.message, /^Cannot save the demo database in /);
    assert.equal(await store.read(), undefined);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("openSnapshotStore() keeps nothing without a cache directory", async () => {
  const log = createMemoryLogger();
  const store = openSnapshotStore({ sample: "chinook", versionKey: "1f", log });
  assert.equal(store.path, undefined);
  assert.ok((await store.write(new Uint8Array([1]))).ok);
  assert.equal(await store.read(), undefined);
  assert.match(log.lines.join("\n"), /demo.cache_off/);
});

Deno.test({
  name: "openSnapshotStore() keeps nothing when the process may not write the cache directory",
  permissions: { read: true, write: false, env: true },
  fn() {
    const log = createMemoryLogger();
    const store = openSnapshotStore({
      cacheDir: "/tmp/pg-mcp-denied",
      sample: "c",
      versionKey: "1",
      log,
    });
    assert.equal(store.path, undefined);
    assert.match(log.lines.join("\n"), /no write permission for the cache directory/);
  },
});
