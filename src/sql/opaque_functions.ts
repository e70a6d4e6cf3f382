import type { Result } from "../errors.ts";
import { refuse } from "./refusal.ts";

/**
 * Functions that read tables named by their arguments, or run SQL given as text: what they read
 * is out of the validator's sight (a hidden column, a whole database), so they are refused
 * always, whatever SECURITY_BLOCKED_FUNCTIONS says (it replaces the default list).
 *
 * Found systematically in PostgreSQL 15: the built-in functions whose C code reaches SPI (the
 * server's SQL-from-C interface), by the call graph of the `postgres` binary, and the same for
 * the contrib libraries, then the functions taking a `regclass`, a `refcursor` or a relation or
 * query name. Kept out of this list: pg_get_viewdef and pg_get_ruledef (SPI on pg_rewrite only),
 * RI_FKey_* and refint's check_* (trigger functions: not callable from a query), pgstattuple,
 * pg_visibility, pgrowlocks, amcheck (counts and flags, no values), dblink_build_sql_delete
 * (builds text from its arguments, reads nothing). The rest of dblink and pageinspect are
 * VOLATILE, so the catalog rule refuses them too.
 */
export const OPAQUE_FUNCTIONS: ReadonlyMap<string, OpaqueFunction> = new Map([
  ...family("table_dump_function", "it reads every table of the database", [
    "database_to_xml",
    "database_to_xmlschema",
    "database_to_xml_and_xmlschema",
  ]),
  ...family("table_dump_function", "it reads every table of the schema it names", [
    "schema_to_xml",
    "schema_to_xmlschema",
    "schema_to_xml_and_xmlschema",
  ]),
  ...family("table_dump_function", "it reads the whole table it names", [
    "table_to_xml",
    "table_to_xmlschema",
    "table_to_xml_and_xmlschema",
  ]),
  ...family("table_dump_function", "it reads the table it names (tablefunc, xml2)", [
    "connectby",
    "xpath_table",
  ]),
  ...family("table_dump_function", "it reads a row of the table it names (dblink)", [
    "dblink_build_sql_insert",
    "dblink_build_sql_update",
  ]),
  ...family("table_dump_function", "it reads raw pages of the relation it names (pageinspect)", [
    "get_raw_page",
    "bt_page_items",
  ]),
  ...family("sql_text_function", "it runs the SQL text it is given", [
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "ts_stat",
    "crosstab",
    "crosstab2",
    "crosstab3",
    "crosstab4",
  ]),
  ...family("sql_text_function", "it reads a cursor, which runs a query of its own", [
    "cursor_to_xml",
    "cursor_to_xmlschema",
  ]),
  ...family("sql_text_function", "it runs SQL text on a server it connects to (dblink)", [
    "dblink",
    "dblink_exec",
    "dblink_open",
    "dblink_send_query",
  ]),
  // ts_rewrite(query, target, substitute) is plain; ts_rewrite(query, select) runs the select.
  ["ts_rewrite", {
    reason: "sql_text_function",
    why: "with two arguments it runs the SQL text it is given",
    args: 2,
  }],
]);

export interface OpaqueFunction {
  reason: "table_dump_function" | "sql_text_function";
  why: string;
  /** Only calls with this many arguments (an overload); absent: every call. */
  args?: number;
}

function family(
  reason: OpaqueFunction["reason"],
  why: string,
  names: readonly string[],
): [string, OpaqueFunction][] {
  return names.map((n) => [n, { reason, why }]);
}

/** Refuses a call of an opaque function, by its unqualified name, in any schema. */
export function checkOpaque(
  parts: readonly string[],
  argCount: number,
): Result<never> | undefined {
  const name = (parts[parts.length - 1] ?? "").toLowerCase();
  const f = OPAQUE_FUNCTIONS.get(name);
  if (!f || (f.args !== undefined && f.args !== argCount)) return undefined;
  return refuse(f.reason, `Cannot call "${name}": ${f.why}, out of the validator's sight`, {
    function: parts.map((p) => p.toLowerCase()).join("."),
  });
}
