/**
 * The demo engine, run as a worker by engine.ts: PGlite (PostgreSQL in WebAssembly) loaded from a
 * snapshot or built from the sample's SQL, served on 127.0.0.1 by pglite-socket. It reports when
 * a protocol message enters and leaves PGlite so the supervisor can stop a runaway query: PGlite
 * ignores statement_timeout and cancel requests, and a query cannot be interrupted from inside.
 *
 * The worker's modules are loaded at run time, so they need read permission (src/demo, see
 * scripts/permission_flags.ts).
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { EngineEvent, EngineStartRequest } from "./engine_protocol.ts";
import { PlanGuard } from "./plan_guard.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<EngineStartRequest>) => void) | null;
  postMessage(message: EngineEvent, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as WorkerScope;

// The supervisor ends this worker with terminate(): PGlite holds its data in memory only, so
// nothing needs flushing, and the listener and connections end with the worker.
scope.onmessage = (event) => {
  start(event.data).catch(fail);
};
// A promise PGlite or pglite-socket leaves unhandled would otherwise end the worker with a bare
// stack trace on stderr; report it as this engine's failure instead.
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  fail(event.reason);
});

function fail(error: unknown): void {
  scope.postMessage({ type: "failed", message: errorMessage(error) });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function startParams(settings: Record<string, string>): string[] {
  const params = [...PGlite.defaultStartParams];
  for (const [name, value] of Object.entries(settings)) params.push("-c", `${name}=${value}`);
  return params;
}

async function start(request: EngineStartRequest): Promise<void> {
  let db: PGlite | undefined;
  let snapshot: Uint8Array | undefined;
  if (request.snapshot) {
    try {
      db = await PGlite.create({
        // Decompressed here: PGlite's own gunzip leaves a bad checksum as an unhandled rejection.
        loadDataDir: new Blob([await gunzip(request.snapshot)]),
        startParams: startParams(request.settings),
      });
      if (!(await holdsExpectedData(db, request.checkSql))) {
        throw new Error("the data differ from the sample's");
      }
    } catch (error) {
      await db?.close().catch(() => undefined);
      db = undefined;
      scope.postMessage({ type: "invalid_snapshot", message: errorMessage(error) });
      return;
    }
  } else {
    db = await PGlite.create({
      initDbStartParams: request.initdbParams,
      startParams: startParams(request.settings),
    });
    await build(db, request);
    if (!(await holdsExpectedData(db, request.checkSql))) {
      throw new Error("Cannot build the demo database: the loaded data differ from the sample's");
    }
    const dump = await db.dumpDataDir("gzip");
    snapshot = new Uint8Array(await dump.arrayBuffer());
  }
  const server = new PGLiteSocketServer({
    db: watched(db, new PlanGuard(db, request.maxPlanCost)),
    host: "127.0.0.1",
    port: 0,
    // The supervisor's proxy lets one client connection through at a time; the second slot only
    // absorbs the moment when the previous connection is still closing here.
    maxConnections: 2,
  });
  await server.start();
  const port = Number(server.getServerConn().split(":").pop());
  scope.postMessage(
    { type: "ready", port, snapshot },
    snapshot ? [snapshot.buffer as ArrayBuffer] : [],
  );
}

/** Loads the sample with writes allowed for this session only; the defaults stay read-only. */
async function build(pg: PGlite, request: EngineStartRequest): Promise<void> {
  await pg.exec("SET default_transaction_read_only = off");
  await pg.exec(`BEGIN;\n${request.script}\n;COMMIT;`);
  for (const statement of request.finishStatements) await pg.exec(statement);
  await pg.exec("RESET default_transaction_read_only");
}

async function gunzip(bytes: Uint8Array): Promise<ArrayBuffer> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).arrayBuffer();
}

async function holdsExpectedData(pg: PGlite, checkSql: string): Promise<boolean> {
  const result = await pg.query<{ ok: boolean }>(checkSql);
  return result.rows[0]?.ok === true;
}

/**
 * The part of PGlite that pglite-socket uses, with each protocol message checked by the plan
 * guard and its time inside PGlite reported to the supervisor (composition: PGlite itself is not
 * patched). `runExclusive` runs its function directly: pglite-socket's queue already hands PGlite
 * one message at a time and is its only user here, and the guard's own queries take PGlite's
 * mutex, which is not reentrant.
 */
function watched(pg: PGlite, guard: PlanGuard): PGlite {
  const facade = {
    get waitReady() {
      return pg.waitReady;
    },
    isInTransaction: () => pg.isInTransaction(),
    runExclusive: <T>(fn: () => Promise<T>) => fn(),
    exec: (query: string) => pg.exec(query),
    execProtocolRawStream: async (
      message: Uint8Array,
      options: Parameters<PGlite["execProtocolRawStream"]>[1],
    ) => {
      scope.postMessage({ type: "busy" });
      try {
        const verdict = await guard.check(message);
        if (verdict.kind === "forward") await pg.execProtocolRawStream(message, options);
        else if (verdict.kind === "refuse") options.onRawData(verdict.reply);
      } catch (error) {
        // PGlite threw instead of answering (e.g. COPY ... TO PROGRAM: it runs no program and
        // throws "Unhandled cmd"), and may be left unusable. Thrown on, it would also stop
        // pglite-socket's queue for good. The supervisor replaces this engine instead.
        fail(error);
      } finally {
        scope.postMessage({ type: "idle" });
      }
    },
  };
  // pglite-socket types its `db` as PGlite but calls only the members above.
  return facade as unknown as PGlite;
}
