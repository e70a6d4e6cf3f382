import { parsePgArray } from "./pg_array.ts";
import { isoTimestamp, scalarToJson, type TypeInfo } from "./pg_types.ts";

/** Values as JSON that says exactly what PostgreSQL said. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Turns a value in PostgreSQL's text format into JSON, by the column's type. */
export function textToJson(
  text: string | null,
  type: TypeInfo,
  lookup: (oid: number) => TypeInfo,
): JsonValue {
  if (text === null) return null;
  if (type.element === undefined) return scalarToJson(text, type.kind);
  const element = lookup(type.element);
  return parsePgArray(
    text,
    (raw) => textToJson(raw, element, lookup),
    type.delimiter ?? ",",
  ) as JsonValue[];
}

const SAFE_NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const PLAIN = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * A value in PostgreSQL's text format as JSON text, by the column's type, without making a
 * JavaScript value on the way for the usual types: numbers as they are, int8/numeric/money and
 * everything else as strings, booleans, json/jsonb as the document itself, timestamps in ISO
 * 8601; arrays go through `textToJson`. The same JSON as `JSON.stringify(textToJson(...))`
 * (json keeps the server's spacing).
 */
export function textToJsonText(
  text: string,
  type: TypeInfo,
  lookup: (oid: number) => TypeInfo,
): string {
  if (type.element !== undefined) return JSON.stringify(textToJson(text, type, lookup));
  switch (type.kind) {
    case "boolean":
      return text === "t" || text === "true" ? "true" : "false";
    case "integer":
    case "float": // NaN, ±Infinity: strings
      return SAFE_NUMBER.test(text) ? text : JSON.stringify(text);
    case "json":
      return text; // PostgreSQL only stores and prints valid JSON
    case "timestamp":
      return JSON.stringify(isoTimestamp(text));
    default:
      // Most text needs no escaping: skip JSON.stringify's scan-and-copy for it.
      return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
  }
}
