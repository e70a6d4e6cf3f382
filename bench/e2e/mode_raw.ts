/** The raw driver: postgres.js, the version pg-mcp uses, in the benchmark process; no MCP. */
import postgres from "postgres";
import type { Mode } from "./session.ts";

/** As many connections as the servers' pools may use for 8 calls in flight. */
const MAX_CONNECTIONS = 10;

export const rawDriver: Mode = {
  name: "raw",
  open(db) {
    const sql = postgres(db, { max: MAX_CONNECTIONS, onnotice: () => undefined });
    return Promise.resolve({
      mode: "raw",
      async query(text: string) {
        return (await sql.unsafe(text)).length;
      },
      close: () => sql.end({ timeout: 5 }),
    });
  },
};
