/**
 * The few pieces of PostgreSQL's wire protocol the demo's connection proxy needs: recognizing a
 * CancelRequest, writing an ErrorResponse, and knowing whether a server's byte stream is between
 * two messages (so an error can be injected without corrupting a half-sent one).
 */

/** A CancelRequest is 16 bytes: length 16, then this code, then the process id and secret key. */
const CANCEL_REQUEST_CODE = 80877102;
const CANCEL_REQUEST_LENGTH = 16;

/** SSLRequest and GSSENCRequest are 8 bytes: length 8, then one of these codes. */
const ENCRYPTION_REQUEST_CODES = [80877103, 80877104];

/** What the first 8 bytes of a client's connection ask for. */
export type ClientOpening = "cancel" | "encryption" | "startup";

export function classifyOpening(head: Uint8Array): ClientOpening {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const length = view.getInt32(0);
  const code = view.getInt32(4);
  if (length === CANCEL_REQUEST_LENGTH && code === CANCEL_REQUEST_CODE) return "cancel";
  if (length === 8 && ENCRYPTION_REQUEST_CODES.includes(code)) return "encryption";
  return "startup";
}

/** The answer to an SSLRequest or GSSENCRequest: one byte, "not supported, go on in clear". */
export const ENCRYPTION_REFUSED = new Uint8Array(["N".charCodeAt(0)]);

export interface WireError {
  severity: "ERROR" | "FATAL";
  /** SQLSTATE, e.g. 57014 (query_canceled) or 53300 (too_many_connections). */
  code: string;
  message: string;
}

/** An ErrorResponse ('E') message: the driver reports it as a PostgresError with this code. */
export function errorResponse(error: WireError): Uint8Array {
  const encoder = new TextEncoder();
  const fields: [string, string][] = [
    ["S", error.severity],
    ["V", error.severity],
    ["C", error.code],
    ["M", error.message],
  ];
  const parts = fields.map(([tag, value]) => encoder.encode(`${tag}${value}\0`));
  const bodyLength = parts.reduce((n, p) => n + p.length, 0) + 1; // + the closing zero byte
  const out = new Uint8Array(1 + 4 + bodyLength);
  out[0] = "E".charCodeAt(0);
  new DataView(out.buffer).setInt32(1, 4 + bodyLength);
  let offset = 5;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  out[offset] = 0;
  return out;
}

/** A ReadyForQuery ('Z') message with a transaction status: I (idle), T (in one), E (failed). */
export function readyForQuery(status: "I" | "T" | "E"): Uint8Array {
  return new Uint8Array(["Z".charCodeAt(0), 0, 0, 0, 5, status.charCodeAt(0)]);
}

/**
 * What a server answers to `count` statements (Sync or Query messages) that fail with `error`:
 * an ErrorResponse and a ReadyForQuery with `status` for each.
 */
export function failedStatements(
  error: WireError,
  status: "I" | "T" | "E",
  count = 1,
): Uint8Array {
  const one = [...errorResponse(error), ...readyForQuery(status)];
  const out = new Uint8Array(one.length * count);
  for (let i = 0; i < count; i++) out.set(one, i * one.length);
  return out;
}

/** Message types the proxy counts. */
export const MESSAGE = {
  readyForQuery: "Z".charCodeAt(0),
  sync: "S".charCodeAt(0),
  query: "Q".charCodeAt(0),
  parse: "P".charCodeAt(0),
  terminate: "X".charCodeAt(0),
  error: "E".charCodeAt(0),
} as const;

/**
 * Follows one direction of a connection after its startup packet (every message is then a type
 * byte and an int32 length that counts itself): where messages begin, of which type, and the
 * status byte of each ReadyForQuery. The proxy uses it to inject messages only between two.
 */
export class MessageFraming {
  #header = new Uint8Array(5);
  #headerFilled = 0;
  #bodyLeft = 0;
  #inReadyForQuery = false;
  #status: "I" | "T" | "E" = "I";

  /** Consumes bytes; `onMessage` is called with the type of each message as its header ends. */
  push(chunk: Uint8Array, onMessage?: (type: number) => void): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#bodyLeft > 0) {
        if (this.#inReadyForQuery) {
          const status = String.fromCharCode(chunk[i]);
          if (status === "I" || status === "T" || status === "E") this.#status = status;
          this.#inReadyForQuery = false;
        }
        const take = Math.min(this.#bodyLeft, chunk.length - i);
        this.#bodyLeft -= take;
        i += take;
        continue;
      }
      this.#header[this.#headerFilled++] = chunk[i++];
      if (this.#headerFilled === 5) {
        const length = new DataView(this.#header.buffer).getInt32(1);
        this.#bodyLeft = Math.max(0, length - 4);
        this.#inReadyForQuery = this.#header[0] === MESSAGE.readyForQuery && length === 5;
        this.#headerFilled = 0;
        onMessage?.(this.#header[0]);
      }
    }
  }

  /** True when no message is partly through. */
  get atBoundary(): boolean {
    return this.#headerFilled === 0 && this.#bodyLeft === 0;
  }

  /** The transaction status of the last ReadyForQuery: I (idle), T (in one), E (failed). */
  get transactionStatus(): "I" | "T" | "E" {
    return this.#status;
  }
}

/** The whole startup packet's length, from its first 8 bytes (int32 length, then the version). */
export function startupLength(head: Uint8Array): number {
  return new DataView(head.buffer, head.byteOffset, head.byteLength).getInt32(0);
}
