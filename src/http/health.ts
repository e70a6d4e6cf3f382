import type { ReadOnlyDb } from "../db/read_only.ts";
import { json } from "./serve.ts";

/** GET /health: 200 when the database answers, 503 with the error code when it does not. */
export function healthRoute(db: ReadOnlyDb, version: string) {
  return async (): Promise<Response> => {
    const probe = await db.catalog<{ ok: number }>("SELECT 1 AS ok");
    if (probe.ok) return json(200, { status: "ok", version, database: "ok" });
    return json(503, { status: "unavailable", version, database: probe.error.code });
  };
}
