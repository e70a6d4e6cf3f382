import { fail, ok, type Result } from "../errors.ts";
import type { Database } from "./database.ts";

/** The databases one server serves, by name; resolves a call's `database` argument. */
export interface DatabaseRegistry {
  list(): readonly Database[];
  /**
   * The database a call names, or the default one when it names none. Unknown names and a
   * missing name with no default are errors that list the choices.
   */
  resolve(name?: string): Result<Database>;
  names(): string[];
  close(): Promise<void>;
}

export function createRegistry(databases: readonly Database[]): DatabaseRegistry {
  const byName = new Map(databases.map((d) => [d.name, d]));
  const fallback = databases.find((d) => d.isDefault) ??
    (databases.length === 1 ? databases[0] : undefined);
  const names = () => databases.map((d) => d.name);
  return {
    list: () => databases,
    names,
    resolve(name) {
      const wanted = name?.trim().toLowerCase();
      if (!wanted) {
        if (fallback) return ok(fallback);
        return fail(
          "INVALID_INPUT",
          `Cannot pick a database: ${databases.length} are configured and none is the default; ` +
            `pass "database" as one of: ${names().join(", ")}`,
          { reason: "database_required", choices: names() },
        );
      }
      const found = byName.get(wanted);
      if (found) return ok(found);
      return fail(
        "NOT_FOUND",
        `Cannot find database "${name}": the configured ones are ${names().join(", ")}`,
        { reason: "unknown_database", database: name, choices: names() },
      );
    },
    async close() {
      await Promise.all(databases.map((d) => d.close().catch(() => undefined)));
    },
  };
}
