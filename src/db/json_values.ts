/** Turns driver values into JSON that says exactly what PostgreSQL said. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

const OID_TIMESTAMP = 1114;
const OID_TIMESTAMPTZ = 1184;
const OID_TIMESTAMP_ARRAY = 1115;
const OID_TIMESTAMPTZ_ARRAY = 1185;

/** "2024-01-02 03:04:05.6+05:30" → "2024-01-02T03:04:05.6+05:30"; infinity and BC stay as text. */
export function isoTimestamp(text: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)?(?::?(\d\d))?(?::?(\d\d))?$/
    .exec(text);
  if (!m) return text;
  const [, date, time, tzHour, tzMin, tzSec] = m;
  if (tzHour === undefined) return `${date}T${time}`;
  return `${date}T${time}${tzHour}:${tzMin ?? "00"}${tzSec ? `:${tzSec}` : ""}`;
}

export function toJsonValue(value: unknown, typeOid: number): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") {
    const isTs = typeOid === OID_TIMESTAMP || typeOid === OID_TIMESTAMPTZ ||
      typeOid === OID_TIMESTAMP_ARRAY || typeOid === OID_TIMESTAMPTZ_ARRAY;
    return isTs ? isoTimestamp(value) : value;
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? value : String(value);
  }
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value;
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? null : value.toISOString();
  }
  if (value instanceof Uint8Array) {
    return "\\x" +
      Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (Array.isArray(value)) return value.map((v) => toJsonValue(v, typeOid));
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map((
        [k, v],
      ) => [k, toJsonValue(v, 0)]),
    );
  }
  return String(value);
}
