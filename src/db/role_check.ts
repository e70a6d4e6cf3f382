import { fail, ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { CatalogReader } from "./catalog_reader.ts";

/** Built-in roles whose members reach beyond the database: server files and programs. */
export const DANGEROUS_ROLES = [
  "pg_read_server_files",
  "pg_write_server_files",
  "pg_execute_server_program",
  "pg_write_all_data",
] as const;

export type RoleProblem =
  | { kind: "superuser" }
  | { kind: "createrole" }
  | { kind: "member_of"; role: string }
  | { kind: "writable_tables"; count: number; sample: string[] };

/** What the connected role may do beyond reading. */
export interface RoleReport {
  role: string;
  readOnly: boolean;
  problems: RoleProblem[];
}

interface RoleRow {
  role: string;
  superuser: boolean;
  createrole: boolean;
  member_of: string[];
  writable_count: string | number;
  writable_sample: string[];
}

/**
 * One catalog query: superuser, CREATEROLE (which can grant itself the server-file roles),
 * membership of the roles in DANGEROUS_ROLES, and INSERT/UPDATE/DELETE/TRUNCATE/TRIGGER on any
 * table, view or foreign table outside the system schemas.
 */
export const ROLE_SQL = `
WITH writable AS (
  SELECT format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname !~ '^pg_(toast|temp)'
     AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, TRIGGER'))
SELECT current_user::text AS role, r.rolsuper AS superuser, r.rolcreaterole AS createrole,
       ARRAY(SELECT g.rolname::text FROM pg_roles g
              WHERE g.rolname = ANY ($1::text[]) AND pg_has_role(current_user, g.oid, 'MEMBER')
              ORDER BY 1) AS member_of,
       (SELECT count(*) FROM writable) AS writable_count,
       ARRAY(SELECT name FROM writable ORDER BY name LIMIT 10) AS writable_sample
  FROM pg_roles r WHERE r.rolname = current_user`;

/** Reports what the connected role can do beyond reading, and logs a warning when it can. */
export async function checkRole(
  db: CatalogReader,
  log: Logger,
): Promise<Result<RoleReport>> {
  const rows = await db.catalog<RoleRow>(ROLE_SQL, [[...DANGEROUS_ROLES]]);
  if (!rows.ok) return rows;
  const row = rows.value[0];
  if (!row) return fail("DB_FAILED", "Cannot check the database role: it is not in pg_roles");
  const problems: RoleProblem[] = [];
  if (row.superuser) problems.push({ kind: "superuser" });
  if (row.createrole) problems.push({ kind: "createrole" });
  for (const role of row.member_of ?? []) problems.push({ kind: "member_of", role });
  const count = Number(row.writable_count);
  if (count > 0) {
    problems.push({ kind: "writable_tables", count, sample: row.writable_sample ?? [] });
  }
  const report: RoleReport = { role: row.role, readOnly: problems.length === 0, problems };
  if (report.readOnly) log.info("db.role_checked", { role: report.role, readOnly: true });
  else {
    log.warn("db.role_not_read_only", {
      role: report.role,
      problems: problems.map(describeProblem),
      hint: "connect as a read-only role (README) or set SECURITY_REQUIRE_READONLY_ROLE=true",
    });
  }
  return ok(report);
}

/** "superuser", "member of pg_write_server_files", "may write 3 tables (public.a, ...)". */
export function describeProblem(problem: RoleProblem): string {
  switch (problem.kind) {
    case "superuser":
      return "superuser";
    case "createrole":
      return "CREATEROLE";
    case "member_of":
      return `member of ${problem.role}`;
    case "writable_tables":
      return `may write ${problem.count} table${problem.count === 1 ? "" : "s"} (${
        problem.sample.slice(0, 3).join(", ")
      }${problem.count > 3 ? ", ..." : ""})`;
  }
}

/**
 * With SECURITY_REQUIRE_READONLY_ROLE=true, a role that is not read-only (or that cannot be
 * checked) stops the start; otherwise the check only warns and the server starts.
 */
export function enforceReadOnlyRole(
  report: Result<RoleReport>,
  required: boolean,
  log: Logger,
): Result<RoleReport | undefined> {
  if (!report.ok) {
    if (required) {
      return fail(
        report.error.code,
        `Cannot start: the database role could not be checked (${report.error.message}) and ` +
          "SECURITY_REQUIRE_READONLY_ROLE=true",
        { ...report.error.details, reason: "role_unchecked" },
      );
    }
    log.warn("db.role_unchecked", { error: report.error.message });
    return ok(undefined);
  }
  if (required && !report.value.readOnly) {
    const { role, problems } = report.value;
    return fail(
      "SECURITY_VIOLATION",
      `Cannot start: role "${role}" is not read-only (${
        problems.map(describeProblem).join("; ")
      })` +
        " and SECURITY_REQUIRE_READONLY_ROLE=true",
      { reason: "role_not_read_only", role, problems },
    );
  }
  return report;
}
