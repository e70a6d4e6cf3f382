import type { DatabaseRegistry } from "../databases/registry.ts";
import { json } from "./serve.ts";

/** GET /healthz: the process answers (no I/O). */
export function livenessRoute(version: string) {
  return () => json(200, { status: "ok", version });
}

/** How long each database has to answer /readyz (ms). */
const READY_TIMEOUT_MS = 1_000;

/**
 * GET /readyz (and /health): 200 when every database answers `SELECT 1` within a second, 503
 * with each one's reason otherwise; the language model's circuit breaker state is reported.
 */
export function readinessRoute(
  databases: DatabaseRegistry,
  version: string,
  breakerState: () => string,
) {
  return async (): Promise<Response> => {
    const checks = await Promise.all(
      databases.list().map(async (db) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<"timeout">((r) =>
          timer = setTimeout(() => r("timeout"), READY_TIMEOUT_MS)
        );
        const probe = await Promise.race([db.catalog("SELECT 1"), timeout]);
        clearTimeout(timer);
        if (probe === "timeout") {
          return { name: db.name, status: "unavailable", reason: "DB_TIMEOUT" };
        }
        return probe.ok
          ? { name: db.name, status: "ok" }
          : { name: db.name, status: "unavailable", reason: probe.error.code };
      }),
    );
    const ready = checks.every((c) => c.status === "ok");
    return json(ready ? 200 : 503, {
      status: ready ? "ok" : "unavailable",
      version,
      databases: checks,
      llm_circuit: breakerState(),
    });
  };
}
