import type { JsonValue } from "./pg_text.ts";

/** How a type's text form becomes JSON. */
export type ValueKind =
  | "boolean"
  | "integer"
  | "float"
  | "exact" // int8, numeric, money: strings, never lossy floats
  | "json"
  | "timestamp"
  | "text";

export interface TypeInfo {
  name: string;
  kind: ValueKind;
  /** For arrays: the element type's OID. */
  element?: number;
  delimiter?: string;
}

/** Built-in scalar types; arrays, domains, enums and the rest are read from pg_type once. */
export const BUILTIN_TYPES: ReadonlyMap<number, TypeInfo> = new Map<number, TypeInfo>([
  [16, { name: "boolean", kind: "boolean" }],
  [17, { name: "bytea", kind: "text" }],
  [18, { name: "char", kind: "text" }],
  [19, { name: "name", kind: "text" }],
  [20, { name: "bigint", kind: "exact" }],
  [21, { name: "smallint", kind: "integer" }],
  [23, { name: "integer", kind: "integer" }],
  [25, { name: "text", kind: "text" }],
  [26, { name: "oid", kind: "integer" }],
  [114, { name: "json", kind: "json" }],
  [142, { name: "xml", kind: "text" }],
  [700, { name: "real", kind: "float" }],
  [701, { name: "double precision", kind: "float" }],
  [790, { name: "money", kind: "exact" }],
  [869, { name: "inet", kind: "text" }],
  [1042, { name: "character", kind: "text" }],
  [1043, { name: "character varying", kind: "text" }],
  [1082, { name: "date", kind: "text" }],
  [1083, { name: "time without time zone", kind: "text" }],
  [1114, { name: "timestamp without time zone", kind: "timestamp" }],
  [1184, { name: "timestamp with time zone", kind: "timestamp" }],
  [1186, { name: "interval", kind: "text" }],
  [1266, { name: "time with time zone", kind: "text" }],
  [1700, { name: "numeric", kind: "exact" }],
  [2950, { name: "uuid", kind: "text" }],
  [3802, { name: "jsonb", kind: "json" }],
]);

/** "2024-01-02 03:04:05.6+05:30" → "2024-01-02T03:04:05.6+05:30"; infinity and BC stay as text. */
export function isoTimestamp(text: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)?(?::?(\d\d))?(?::?(\d\d))?$/
    .exec(text);
  if (!m) return text;
  const [, date, time, tzHour, tzMin, tzSec] = m;
  if (tzHour === undefined) return `${date}T${time}`;
  return `${date}T${time}${tzHour}:${tzMin ?? "00"}${tzSec ? `:${tzSec}` : ""}`;
}

/** One scalar's text form as JSON. */
export function scalarToJson(text: string, kind: ValueKind): JsonValue {
  switch (kind) {
    case "boolean":
      return text === "t" || text === "true";
    case "integer":
      return Number(text);
    case "float": {
      const n = Number(text);
      return Number.isFinite(n) ? n : text; // NaN and ±Infinity are not JSON numbers
    }
    case "json":
      try {
        return JSON.parse(text) as JsonValue;
      } catch {
        return text;
      }
    case "timestamp":
      return isoTimestamp(text);
    default:
      return text;
  }
}
