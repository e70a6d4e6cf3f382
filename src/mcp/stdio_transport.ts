import type { JsonRows } from "../db/json_rows.ts";
import { messageBytes, rowsOf, SMALL_ROWS_BYTES } from "./message_bytes.ts";
import { type JSONRPCMessage, JSONRPCMessageSchema, type Transport } from "./sdk.ts";

/**
 * MCP over stdio, newline-delimited JSON, on Deno's own streams (the SDK's transport ignores the
 * end of stdin, so a server whose client went away lived on). Robust to what a client or a
 * broken pipe may send: a message over `maxMessageBytes`, malformed JSON, a batch, invalid UTF-8
 * each get a JSON-RPC error and the server goes on; the end of stdin closes the transport
 * (`onclose`); a read or write failure is reported through `onerror` and `failed`.
 */
export interface StdioOptions {
  input?: ReadableStream<Uint8Array>;
  /**
   * Reads the next bytes into `buffer`: how many, or null at the end of the input. Without it
   * and without `input`, `Deno.stdin.read`: no stream between stdin and the transport (a byte
   * stream allocated a 64 KB buffer per read), one buffer for every read.
   */
  read?: (buffer: Uint8Array) => Promise<number | null>;
  output?: WritableStream<Uint8Array>;
  /** The largest message accepted (bytes). */
  maxMessageBytes: number;
  /** Told the size of each message carrying rows once it is written (see heap_release.ts). */
  onRowsWritten?: (bytes: number) => void;
  /**
   * Writes to the output at once, blocking, returning the bytes written (`Deno.stdout.writeSync`
   * when `output` is stdout): a small message with no write pending goes out this way, as
   * Node's stdout does on a pipe, instead of through the stream (a round trip to another thread
   * per write). Absent: every message goes through `output`.
   */
  writeSync?: (bytes: Uint8Array) => number;
}

export interface StdioTransport extends Transport {
  /** Settles when the transport is closed; true when it ended by a failure. */
  readonly finished: Promise<{ failed: boolean }>;
}

const NEWLINE = 0x0a;
/** The buffer of direct reads (`read`). */
const READ_BYTES = 64 * 1024;
/**
 * Bytes per write to stdout: each write is a round trip to a thread, so small pieces are
 * gathered (29 MB in 32 KB writes took 90 ms, in 256 KB writes 34 ms).
 */
const WRITE_BYTES = 256 * 1024;
/** Messages up to this size may be written at once (`writeSync`); larger ones are streamed. */
const SYNC_BYTES = 64 * 1024;

export function createStdioTransport(options: StdioOptions): StdioTransport {
  const read = options.read ??
    (options.input ? undefined : (buffer: Uint8Array) => Deno.stdin.read(buffer));
  const output = options.output ?? Deno.stdout.writable;
  const writeSync = options.writeSync ??
    (options.output ? undefined : (bytes: Uint8Array) => Deno.stdout.writeSync(bytes));
  const writer = output.getWriter();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const encoder = new TextEncoder();
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** The next chunk of input (valid until the next call), undefined at its end. */
  let nextChunk: () => Promise<Uint8Array | undefined>;
  let closed = false;
  let failed = false;
  let writing: Promise<void> = Promise.resolve();
  /** Writes queued on `writing` and not done yet: a message may go out at once only when none is. */
  let queued = 0;
  const outBuffer = new Uint8Array(WRITE_BYTES);
  let finish!: (v: { failed: boolean }) => void;
  const finished = new Promise<{ failed: boolean }>((r) => finish = r);

  const transport: StdioTransport = {
    finished,
    start() {
      if (read) {
        const buffer = new Uint8Array(READ_BYTES);
        nextChunk = async () => {
          const n = await read(buffer);
          return n === null ? undefined : buffer.subarray(0, n);
        };
      } else {
        const streamReader = reader = options.input!.getReader();
        nextChunk = async () => {
          const { value, done } = await streamReader.read();
          return done ? undefined : value;
        };
      }
      void readLoop();
      return Promise.resolve();
    },
    send(message: JSONRPCMessage) {
      if (closed) return Promise.resolve();
      const rows = rowsOf(message);
      const written = (bytes: number) => {
        if (rows) options.onRowsWritten?.(bytes);
      };
      const line = queued === 0 && writeSync ? smallLine(message, rows) : undefined;
      if (line) {
        const rest = writeAtOnce(line);
        if (rest === undefined) {
          written(line.length);
          return Promise.resolve();
        }
        if (rest === null) return Promise.resolve(); // failed: the transport is ending
        // The output cannot take it now (a non-blocking pipe that is full): the rest is streamed.
        return enqueue(async () => {
          await writer.write(rest);
          written(line.length);
        });
      }
      return enqueue(async () => {
        // Pieces made as they are written: a large result is never one buffer.
        written(await writeLine(writer, messageBytes(message, { reuse: true }), outBuffer));
      });
    },
    async close() {
      await end(false);
    },
  };

  /** Runs `work` after every write queued before it; a failure ends the transport. */
  function enqueue(work: () => Promise<void>): Promise<void> {
    queued++;
    writing = writing.then(work).catch((error) => {
      void end(true, error);
    }).finally(() => {
      queued--;
    });
    return writing;
  }

  /** The message and its newline as one buffer, when it is small enough to write at once. */
  function smallLine(message: JSONRPCMessage, rows: JsonRows | undefined): Uint8Array | undefined {
    if (rows && rows.bytes > SMALL_ROWS_BYTES) return undefined; // made in pieces
    const [json, more] = messageBytes(message);
    if (more !== undefined || json.length >= SYNC_BYTES) return undefined;
    const line = new Uint8Array(json.length + 1);
    line.set(json);
    line[json.length] = NEWLINE;
    return line;
  }

  /**
   * Writes `line` with `writeSync`: undefined when all of it was written, the part left when the
   * output would block, null when writing failed (the transport then ends).
   */
  function writeAtOnce(line: Uint8Array): Uint8Array | undefined | null {
    let at = 0;
    try {
      while (at < line.length) at += writeSync!(line.subarray(at));
      return undefined;
    } catch (error) {
      if (error instanceof Deno.errors.WouldBlock) return line.slice(at);
      void end(true, error);
      return null;
    }
  }

  function write(line: string): Promise<void> {
    if (closed) return Promise.resolve();
    const bytes = encoder.encode(line + "\n");
    return enqueue(() => writer.write(bytes));
  }

  function reply(id: string | number | null, code: number, message: string): void {
    void write(JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } }));
  }

  async function end(byFailure: boolean, error?: unknown) {
    if (closed) return;
    closed = true;
    failed = byFailure;
    if (error !== undefined) {
      transport.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
    await writing.catch(() => undefined);
    await reader?.cancel().catch(() => undefined);
    await writer.close().catch(() => undefined);
    transport.onclose?.();
    finish({ failed });
  }

  function handleLine(bytes: Uint8Array): void {
    if (bytes.length === 0 || (bytes.length === 1 && bytes[0] === 0x0d)) return;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return reply(null, -32700, "Parse error: the message is not valid UTF-8");
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return reply(null, -32700, "Parse error: the message is not valid JSON");
    }
    if (Array.isArray(value)) {
      return reply(null, -32600, "Invalid Request: JSON-RPC batches are not supported");
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = (value as { id?: unknown })?.id;
      return reply(
        typeof id === "string" || typeof id === "number" ? id : null,
        -32600,
        "Invalid Request: not a JSON-RPC 2.0 message",
      );
    }
    transport.onmessage?.(parsed.data);
  }

  async function readLoop(): Promise<void> {
    let chunks: Uint8Array[] = [];
    let size = 0;
    let skipping = false; // inside a message that is too large: drop until its newline
    try {
      for (;;) {
        const value = await nextChunk();
        if (value === undefined || closed) break;
        let start = 0;
        for (;;) {
          const at = value.indexOf(NEWLINE, start);
          const piece = value.subarray(start, at < 0 ? value.length : at);
          if (!skipping) {
            size += piece.length;
            if (size > options.maxMessageBytes) {
              skipping = true;
              chunks = [];
              reply(
                null,
                -32600,
                `Invalid Request: the message is larger than ${options.maxMessageBytes} bytes`,
              );
            } else if (at >= 0 && chunks.length === 0) {
              // A whole line in this chunk: read at once (handleLine keeps no byte of it).
              handleLine(piece);
              size = 0;
              start = at + 1;
              continue;
            } else if (piece.length > 0) chunks.push(piece.slice()); // the chunk is reused
          }
          if (at < 0) break;
          if (!skipping) handleLine(concat(chunks, size));
          chunks = [];
          size = 0;
          skipping = false;
          start = at + 1;
        }
      }
      if (!closed && !skipping && size > 0) handleLine(concat(chunks, size));
      await end(false);
    } catch (error) {
      await end(true, error);
    }
  }

  return transport;
}

/**
 * Writes `pieces` and a newline, small pieces gathered in `buffer` (reused once a write is
 * done), large ones as they are. Each piece is used before the next is asked for. Returns the
 * bytes written.
 */
export async function writeLine(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  pieces: Iterable<Uint8Array>,
  buffer: Uint8Array,
): Promise<number> {
  let used = 0;
  let total = 1;
  for (const piece of pieces) {
    total += piece.length;
    if (used > 0 && used + piece.length > buffer.length) {
      await writer.write(buffer.subarray(0, used));
      used = 0;
    }
    if (piece.length >= buffer.length) await writer.write(piece);
    else {
      buffer.set(piece, used);
      used += piece.length;
    }
  }
  if (used === buffer.length) {
    await writer.write(buffer);
    used = 0;
  }
  buffer[used++] = NEWLINE;
  await writer.write(buffer.subarray(0, used));
  return total;
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
