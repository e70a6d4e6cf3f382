import { describeProblem } from "../db/role_check.ts";
import type { Database } from "../databases/database.ts";
import type { DatabaseRegistry } from "../databases/registry.ts";
import { fail, ok, type Result } from "../errors.ts";
import {
  describeTable as describeIn,
  listSchemas as schemasIn,
  listTables as tablesIn,
  type SchemaSummary,
  type SearchHit,
  searchSchema as searchIn,
  type TableDescription,
  type TableSummary,
} from "../schema/lookup.ts";
import type { SchemaSnapshot } from "../schema/types.ts";
import type { TokenSigner } from "../security/signed_token.ts";

/** What the schema use cases need: the databases, and a signer for page cursors. */
export interface SchemaDeps {
  databases: DatabaseRegistry;
  tokens: TokenSigner;
  /** The most characters one answer may take (MCP_MAX_RESULT_CHARS). */
  maxResultChars: number;
}

/** Runs `answer` on the named database's cached snapshot. */
async function onSnapshot<T extends object>(
  deps: Pick<SchemaDeps, "databases">,
  database: string | undefined,
  answer: (snapshot: SchemaSnapshot, db: Database) => Promise<Result<T>> | Result<T>,
): Promise<Result<T & { success: true; database: string }>> {
  const db = deps.databases.resolve(database);
  if (!db.ok) return db;
  const snapshot = await db.value.schema.get();
  if (!snapshot.ok) return snapshot;
  const result = await answer(snapshot.value, db.value);
  return result.ok
    ? ok({ success: true as const, database: db.value.name, ...result.value })
    : result;
}

export function listSchemas(
  input: { database?: string },
  deps: Pick<SchemaDeps, "databases">,
): Promise<Result<{ success: true; database: string; schemas: SchemaSummary[] }>> {
  return onSnapshot(deps, input.database, (s) => ok({ schemas: schemasIn(s) }));
}

export interface ListTablesAnswer {
  tables: TableSummary[];
  /** Present when more tables follow: pass it back as `cursor`. */
  next_cursor?: string;
}

/** Tables per page at most, within the character budget too. */
export const TABLES_PER_PAGE = 500;
const PAGE_PURPOSE = "tables";

export function listTables(
  input: { database?: string; schema?: string; cursor?: string },
  deps: SchemaDeps,
): Promise<Result<ListTablesAnswer & { success: true; database: string }>> {
  return onSnapshot(deps, input.database, async (snapshot, db) => {
    const all = tablesIn(snapshot, input.schema);
    if (!all.ok) return all;
    let offset = 0;
    const scope = { d: db.name, s: input.schema ?? null };
    if (input.cursor) {
      const payload = await deps.tokens.verify(PAGE_PURPOSE, input.cursor);
      if (!payload.ok) return payload;
      if (payload.value.d !== scope.d || payload.value.s !== scope.s) {
        return fail(
          "INVALID_INPUT",
          "Cannot continue from this cursor: it belongs to another database or schema filter",
          { reason: "cursor_mismatch" },
        );
      }
      offset = Number(payload.value.o) || 0;
    }
    const page: TableSummary[] = [];
    let chars = 300; // the envelope and a cursor
    for (const table of all.value.slice(offset)) {
      const size = JSON.stringify(table).length + 1;
      if (page.length >= TABLES_PER_PAGE || chars + size > deps.maxResultChars / 2) break;
      page.push(table);
      chars += size;
    }
    const next = offset + page.length;
    return ok({
      tables: page,
      ...(next < all.value.length
        ? { next_cursor: await deps.tokens.sign(PAGE_PURPOSE, { ...scope, o: next }) }
        : {}),
    });
  });
}

/**
 * One table's definition. A name the snapshot does not know prompts one fingerprint check
 * first (throttled), so a table created a moment ago is described at once.
 */
export async function describeTable(
  input: { database?: string; table: string; schema?: string },
  deps: Pick<SchemaDeps, "databases">,
): Promise<Result<TableDescription & { success: true; database: string }>> {
  const first = await onSnapshot(
    deps,
    input.database,
    (s) => describeIn(s, input.table, input.schema),
  );
  if (first.ok || first.error.code !== "NOT_FOUND" || first.error.details.table === undefined) {
    return first;
  }
  const db = deps.databases.resolve(input.database);
  if (!db.ok) return db;
  const fresh = await db.value.schema.recheck();
  if (!fresh.ok) return first;
  const again = describeIn(fresh.value, input.table, input.schema);
  return again.ok ? ok({ success: true as const, database: db.value.name, ...again.value }) : again;
}

export function searchSchema(
  input: { database?: string; query: string; limit?: number },
  deps: Pick<SchemaDeps, "databases">,
): Promise<Result<{ success: true; database: string; results: SearchHit[] }>> {
  return onSnapshot(
    deps,
    input.database,
    (s) => ok({ results: searchIn(s, input.query, input.limit) }),
  );
}

export async function refreshSchema(
  input: { database?: string },
  deps: Pick<SchemaDeps, "databases">,
): Promise<Result<{ success: true; database: string; schemas: number; tables: number }>> {
  const db = deps.databases.resolve(input.database);
  if (!db.ok) return db;
  const snapshot = await db.value.schema.refresh();
  if (!snapshot.ok) return snapshot;
  return ok({
    success: true,
    database: db.value.name,
    schemas: schemasIn(snapshot.value).length,
    tables: snapshot.value.tables.length,
  });
}

export interface DatabaseSummary {
  name: string;
  default: boolean;
  /** PostgreSQL's server_version; absent while the database cannot be reached. */
  server_version?: string;
  /** The role cannot write (role check); absent while it cannot be checked. */
  read_only_role?: boolean;
  /** Why the role is not read-only, or why the database could not be asked. */
  problems?: string[];
  error?: { code: string; message: string };
}

/** Every configured database, with its server version and role status. */
export async function listDatabases(
  deps: Pick<SchemaDeps, "databases">,
): Promise<Result<{ success: true; databases: DatabaseSummary[] }>> {
  const databases = await Promise.all(
    deps.databases.list().map(async (db) => {
      const [version, role] = await Promise.all([db.serverVersion(), db.role()]);
      const failure = !version.ok ? version.error : !role.ok ? role.error : undefined;
      return {
        name: db.name,
        default: db.isDefault,
        ...(version.ok ? { server_version: version.value } : {}),
        ...(role.ok ? { read_only_role: role.value.readOnly } : {}),
        ...(role.ok && !role.value.readOnly
          ? { problems: role.value.problems.map(describeProblem) }
          : {}),
        ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
      };
    }),
  );
  return ok({ success: true as const, databases });
}
