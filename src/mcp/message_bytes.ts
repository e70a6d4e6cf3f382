import { JsonRows } from "../db/json_rows.ts";
import type { JSONRPCMessage } from "./sdk.ts";

/** Bytes of text escaped at a time: a large result goes out in pieces, never as one buffer. */
const PIECE_BYTES = 32 * 1024;
/** Room for a piece once escaped: a byte becomes at most 6 (`\u001f`), plus the quotes. */
const ESCAPED_BYTES = PIECE_BYTES * 6 + 16;

const encoder = new TextEncoder();

export interface MessageBytesOptions {
  /**
   * Pieces may be views of one buffer, each valid only until the next is asked for (a writer
   * that awaits each write before the next); saves a buffer per piece.
   */
  reuse?: boolean;
}

/**
 * A JSON-RPC message as UTF-8 JSON, in pieces: `JSON.stringify(message)` encoded, with a tool
 * result's rows as the JSON text they were made into (not re-serialized values). The rows
 * (`JsonRows` at `structuredContent.data.rows`) are written from their bytes, and a text content
 * made by `JsonRows.splice` has its rows part escaped from those same bytes: a large result is
 * neither serialized nor encoded again, and no piece holds much of it.
 */
export function* messageBytes(
  message: JSONRPCMessage,
  options: MessageBytesOptions = {},
): Generator<Uint8Array> {
  const rows = rowsOf(message);
  if (!rows) {
    yield encoder.encode(JSON.stringify(message));
    return;
  }
  if (rows.bytes <= SMALL_ROWS_BYTES) {
    yield encoder.encode(smallMessageJson(message, rows));
    return;
  }
  const result = (message as { result: Record<string, unknown> }).result;
  const data = (result.structuredContent as { data: Record<string, unknown> }).data;
  const content = Array.isArray(result.content)
    ? result.content as { type: string; text?: unknown }[]
    : [];
  const textAt = content.findIndex((c) =>
    c.type === "text" && typeof c.text === "string" && rows.spliced(c.text) !== undefined
  );
  const splice = textAt >= 0 ? rows.spliced(content[textAt].text as string) : undefined;
  const rowsMark = `pg-mcp-rows-${crypto.randomUUID()}`;
  const textMark = `pg-mcp-text-${crypto.randomUUID()}`;
  const skeleton = JSON.stringify({
    ...message,
    result: {
      ...result,
      ...(splice
        ? { content: content.map((c, i) => i === textAt ? { ...c, text: textMark } : c) }
        : {}),
      structuredContent: {
        ...(result.structuredContent as object),
        data: { ...data, rows: rowsMark },
      },
    },
  });
  // The marks in the order they occur (the SDK decides the order of a result's members).
  const marks = [{
    at: skeleton.indexOf(`"${rowsMark}"`),
    length: rowsMark.length + 2,
    write: (): Iterable<Uint8Array> => rows.utf8(),
  }];
  if (splice) {
    marks.push({
      at: skeleton.indexOf(`"${textMark}"`),
      length: textMark.length + 2,
      write: function* () {
        yield encoder.encode(JSON.stringify(splice.before).slice(0, -1)); // the opening quote
        yield* escapedUtf8(rows.utf8(), options.reuse);
        yield encoder.encode(JSON.stringify(splice.after).slice(1)); // the closing quote
      },
    });
  }
  marks.sort((a, b) => a.at - b.at);
  let from = 0;
  for (const mark of marks) {
    yield encoder.encode(skeleton.slice(from, mark.at));
    yield* mark.write();
    from = mark.at + mark.length;
  }
  yield encoder.encode(skeleton.slice(from));
}

/**
 * Rows up to this many bytes go out as one string: the message's JSON with the rows' JSON text in
 * place (the text content escaped by JSON.stringify), encoded once. Most answers are a few rows;
 * the pieces, marks and escaping buffer of the large path cost more than they save for them.
 */
export const SMALL_ROWS_BYTES = 16 * 1024;

/** The JSON text of a message whose rows are small: the same text the pieces make. */
function smallMessageJson(message: JSONRPCMessage, rows: JsonRows): string {
  const result = (message as { result: Record<string, unknown> }).result;
  const structured = result.structuredContent as { data: Record<string, unknown> };
  const mark = `pg-mcp-rows-${crypto.randomUUID()}`;
  const skeleton = JSON.stringify({
    ...message,
    result: {
      ...result,
      structuredContent: { ...structured, data: { ...structured.data, rows: mark } },
    },
  });
  const at = skeleton.indexOf(`"${mark}"`);
  return skeleton.slice(0, at) + rows.json() + skeleton.slice(at + mark.length + 2);
}

/** The rows a tool result carries as `JsonRows` (`structuredContent.data.rows`), if any. */
export function rowsOf(message: JSONRPCMessage): JsonRows | undefined {
  const result = (message as { result?: { structuredContent?: unknown } }).result;
  const data = (result?.structuredContent as { data?: { rows?: unknown } } | undefined)?.data;
  return data?.rows instanceof JsonRows ? data.rows : undefined;
}

/**
 * UTF-8 text escaped as the inside of a JSON string: what `JSON.stringify` makes of the decoded
 * text, without its quotes, encoded. Decoded, escaped and encoded a piece at a time (the
 * decoder never splits a character, so escaping piece by piece is escaping the whole). With
 * `reuse`, every piece is a view of one buffer, valid until the next is asked for.
 */
export function* escapedUtf8(
  chunks: Iterable<Uint8Array>,
  reuse = false,
): Generator<Uint8Array> {
  const decoder = new TextDecoder();
  const out = reuse ? new Uint8Array(ESCAPED_BYTES) : undefined;
  const escaped = (text: string): Uint8Array => {
    const json = JSON.stringify(text);
    if (!out) return encoder.encode(json).subarray(1, -1);
    const { read, written } = encoder.encodeInto(json, out);
    if (read < json.length) throw new Error("Cannot escape the text: the piece outgrew its buffer");
    return out.subarray(1, written - 1);
  };
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += PIECE_BYTES) {
      const text = decoder.decode(chunk.subarray(i, i + PIECE_BYTES), { stream: true });
      if (text.length > 0) yield escaped(text);
    }
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield escaped(rest);
}
