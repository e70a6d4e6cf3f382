import type { ByteChunks } from "./byte_chunks.ts";
import { textToJsonText } from "./pg_text.ts";
import type { TypeInfo } from "./pg_types.ts";

/**
 * A value in PostgreSQL's text format (UTF-8 bytes) written as JSON straight into `out`, by the
 * column's type, without a JavaScript string on the way for the usual types: byte for byte what
 * `textToJsonText` gives for the decoded text, UTF-8 encoded. Returns the JSON's length in
 * UTF-16 code units (what `JSON.stringify(...).length` counts); its UTF-8 size is what `out`
 * grew by. Text that is not valid UTF-8 (a SQL_ASCII database) and the rarer shapes (arrays,
 * unusual timestamps) take the string path, so the answer is always the same.
 */
export function writeJsonValue(
  out: ByteChunks,
  raw: Uint8Array,
  type: TypeInfo,
  lookup: (oid: number) => TypeInfo,
): number {
  if (type.element !== undefined) return viaText(out, raw, type, lookup);
  switch (type.kind) {
    case "boolean":
      return ascii(out, isTrue(raw) ? "true" : "false");
    case "integer":
    case "float": // NaN and ±Infinity are no JSON numbers: strings
      return isJsonNumber(raw) ? verbatim(out, raw) : jsonString(out, raw);
    case "json": {
      // PostgreSQL only stores and prints valid JSON: it is written as it came.
      const units = utf16Units(raw);
      return units < 0 ? viaText(out, raw, type, lookup) : (out.bytes(raw), units);
    }
    case "timestamp":
      return isoTimestampBytes(out, raw) || viaText(out, raw, type, lookup);
    default:
      return jsonString(out, raw);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = "0123456789abcdef";
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The string path: decode (invalid UTF-8 becomes U+FFFD), convert, encode. */
function viaText(
  out: ByteChunks,
  raw: Uint8Array,
  type: TypeInfo,
  lookup: (oid: number) => TypeInfo,
): number {
  return text(out, textToJsonText(decoder.decode(raw), type, lookup));
}

/** Writes a string as UTF-8; returns its length. */
function text(out: ByteChunks, s: string): number {
  out.reserve(s.length * 3);
  out.pos += encoder.encodeInto(s, out.buf.subarray(out.pos)).written;
  return s.length;
}

function ascii(out: ByteChunks, s: string): number {
  out.reserve(s.length);
  for (let i = 0; i < s.length; i++) out.buf[out.pos++] = s.charCodeAt(i);
  return s.length;
}

function isTrue(raw: Uint8Array): boolean {
  return (raw.length === 1 && raw[0] === 0x74) ||
    (raw.length === 4 && raw[0] === 0x74 && raw[1] === 0x72 && raw[2] === 0x75 && raw[3] === 0x65);
}

/** Bytes known to be ASCII, as they are. */
function verbatim(out: ByteChunks, raw: Uint8Array): number {
  out.bytes(raw);
  return raw.length;
}

const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

/** `-?\d+(\.\d+)?([eE][+-]?\d+)?`: a number JSON and PostgreSQL spell alike. */
export function isJsonNumber(raw: Uint8Array): boolean {
  const n = raw.length;
  let i = 0;
  if (i < n && raw[i] === 0x2d) i++;
  const digits = (): boolean => {
    const from = i;
    while (i < n && isDigit(raw[i])) i++;
    return i > from;
  };
  if (!digits()) return false;
  if (i < n && raw[i] === 0x2e) {
    i++;
    if (!digits()) return false;
  }
  if (i < n && (raw[i] === 0x65 || raw[i] === 0x45)) {
    i++;
    if (i < n && (raw[i] === 0x2b || raw[i] === 0x2d)) i++;
    if (!digits()) return false;
  }
  return i === n;
}

/**
 * UTF-16 code units of valid UTF-8 (a 4-byte sequence is a surrogate pair), or -1 when the bytes
 * are not valid UTF-8 (the decoder would put U+FFFD there).
 */
export function utf16Units(raw: Uint8Array): number {
  let units = 0;
  const n = raw.length;
  for (let i = 0; i < n;) {
    const b = raw[i];
    if (b < 0x80) {
      units++;
      i++;
      continue;
    }
    const size = sequenceSize(raw, i);
    if (size === 0) return -1;
    units += size === 4 ? 2 : 1;
    i += size;
  }
  return units;
}

/** The length of the valid UTF-8 sequence starting at `i` with a byte ≥ 0x80; 0 if invalid. */
function sequenceSize(raw: Uint8Array, i: number): number {
  const b = raw[i];
  const n = raw.length;
  const cont = (k: number) => i + k < n && (raw[i + k] & 0xc0) === 0x80;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const b1 = raw[i + 1];
    if (b === 0xe0 && b1 < 0xa0) return 0; // overlong
    if (b === 0xed && b1 > 0x9f) return 0; // a surrogate
    return 3;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const b1 = raw[i + 1];
    if (b === 0xf0 && b1 < 0x90) return 0; // overlong
    if (b === 0xf4 && b1 > 0x8f) return 0; // past U+10FFFF
    return 4;
  }
  return 0;
}

/**
 * `JSON.stringify` of the decoded text, as UTF-8: `"`, `\` and control characters escaped the
 * way it escapes them, everything else as it is.
 */
function jsonString(out: ByteChunks, raw: Uint8Array): number {
  const n = raw.length;
  let i = 0;
  while (i < n) {
    const b = raw[i];
    if (b < 0x20 || b === QUOTE || b === BACKSLASH || b >= 0x80) break;
    i++;
  }
  if (i === n) {
    // Plain ASCII, the usual case: quoted as it is.
    out.reserve(n + 2);
    const buf = out.buf;
    let pos = out.pos;
    buf[pos++] = QUOTE;
    if (n < 16) { for (let k = 0; k < n; k++) buf[pos++] = raw[k]; }
    else {
      buf.set(raw, pos);
      pos += n;
    }
    buf[pos++] = QUOTE;
    out.pos = pos;
    return n + 2;
  }
  const units = utf16Units(raw);
  if (units < 0) return text(out, JSON.stringify(decoder.decode(raw)));
  out.reserve(2);
  out.buf[out.pos++] = QUOTE;
  const added = writeEscaped(out, raw);
  out.reserve(1);
  out.buf[out.pos++] = QUOTE;
  return units + added + 2;
}

/**
 * Valid UTF-8 escaped as the inside of a JSON string, the way `JSON.stringify` escapes (no
 * lone surrogate can be in valid UTF-8). Returns the characters escaping added.
 */
export function writeEscaped(out: ByteChunks, raw: Uint8Array): number {
  let added = 0;
  const n = raw.length;
  for (let from = 0; from < n;) {
    // At most 6 bytes per input byte; a slice at a time keeps the reservation small.
    const to = Math.min(n, from + 4096);
    out.reserve((to - from) * 6);
    const buf = out.buf;
    let pos = out.pos;
    for (let i = from; i < to; i++) {
      const b = raw[i];
      if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) {
        buf[pos++] = b;
        continue;
      }
      buf[pos++] = BACKSLASH;
      added++;
      switch (b) {
        case QUOTE:
        case BACKSLASH:
          buf[pos++] = b;
          break;
        case 0x08:
          buf[pos++] = 0x62; // b
          break;
        case 0x09:
          buf[pos++] = 0x74; // t
          break;
        case 0x0a:
          buf[pos++] = 0x6e; // n
          break;
        case 0x0c:
          buf[pos++] = 0x66; // f
          break;
        case 0x0d:
          buf[pos++] = 0x72; // r
          break;
        default: // \u00XX, lower-case hex
          buf[pos++] = 0x75;
          buf[pos++] = 0x30;
          buf[pos++] = 0x30;
          buf[pos++] = HEX.charCodeAt(b >> 4);
          buf[pos++] = HEX.charCodeAt(b & 15);
          added += 4;
      }
    }
    out.pos = pos;
    from = to;
  }
  return added;
}

/**
 * PostgreSQL's ISO timestamp (`2024-01-02 03:04:05[.678][+05[:30[:15]]]`, DateStyle ISO) as the
 * JSON string `isoTimestamp` makes of it (`"2024-01-02T03:04:05.678+05:30"`); 0 for any other
 * shape (more year digits, BC, infinity), which the string path handles.
 */
function isoTimestampBytes(out: ByteChunks, raw: Uint8Array): number {
  const n = raw.length;
  if (n < 19) return 0;
  for (let i = 0; i < 19; i++) {
    const b = raw[i];
    const want = i === 4 || i === 7 ? 0x2d : i === 10 ? 0x20 : i === 13 || i === 16 ? 0x3a : -1;
    if (want < 0 ? !isDigit(b) : b !== want) return 0;
  }
  let end = 19; // end of the time, fraction included
  if (end < n && raw[end] === 0x2e) {
    end++;
    const from = end;
    while (end < n && isDigit(raw[end])) end++;
    if (end === from) return 0;
  }
  // Zone: [+-]HH, then up to two :MM parts.
  let zone = 0;
  if (end < n) {
    if ((raw[end] !== 0x2b && raw[end] !== 0x2d) || !twoDigits(raw, end + 1)) return 0;
    zone = 1;
    let at = end + 3;
    while (at < n && zone < 3) {
      if (raw[at] !== 0x3a || !twoDigits(raw, at + 1)) return 0;
      zone++;
      at += 3;
    }
    if (at !== n) return 0;
  }
  out.reserve(n + 6);
  const buf = out.buf;
  let pos = out.pos;
  buf[pos++] = QUOTE;
  for (let i = 0; i < end; i++) buf[pos++] = i === 10 ? 0x54 : raw[i]; // "T" for the space
  if (zone > 0) {
    for (let i = end; i < n; i++) buf[pos++] = raw[i];
    if (zone === 1) { // "+00" → "+00:00"
      buf[pos++] = 0x3a;
      buf[pos++] = 0x30;
      buf[pos++] = 0x30;
    }
  }
  buf[pos++] = QUOTE;
  const written = pos - out.pos;
  out.pos = pos;
  return written;
}

function twoDigits(raw: Uint8Array, at: number): boolean {
  return at + 1 < raw.length && isDigit(raw[at]) && isDigit(raw[at + 1]);
}
