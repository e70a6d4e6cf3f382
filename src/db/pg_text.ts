import { parsePgArray } from "./pg_array.ts";
import { scalarToJson, type TypeInfo } from "./pg_types.ts";

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
