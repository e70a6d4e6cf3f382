import { messageBytes, rowsOf, SMALL_ROWS_BYTES } from "../mcp/message_bytes.ts";
import type { JSONRPCMessage, Transport } from "../mcp/sdk.ts";

const encoder = new TextEncoder();

export interface SplicedResults {
  /** The transport's response, with every stand-in replaced by its message, streamed. */
  response(res: Response): Promise<Response>;
}

/**
 * Lets the SDK's JSON-response transport answer tool results holding rows (`JsonRows`) without
 * serializing them again. The SDK builds the body with `JSON.stringify` of whole messages, which
 * would parse every row back into values and print them again (the rows' JSON text exists
 * already) and hold the whole body as one string; so each such message is handed to the
 * transport as a small stand-in whose JSON is unique, and the body the SDK made has each
 * stand-in's JSON replaced by the message's bytes (`messageBytes`), streamed. Call before
 * `connect` (it wraps `send`).
 */
export function spliceResults(
  transport: Transport,
  onRowsWritten?: (bytes: number) => void,
): SplicedResults {
  const held = new Map<string, JSONRPCMessage>();
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const id = (message as { id?: string | number }).id;
    if (!rowsOf(message) || id === undefined) return send(message, options);
    const standIn = {
      jsonrpc: "2.0" as const,
      id,
      result: { "pg-mcp-spliced": crypto.randomUUID() },
    };
    held.set(JSON.stringify(standIn), message);
    return send(standIn, options);
  };
  return {
    async response(res) {
      if (held.size === 0 || res.body === null) return res;
      const text = await res.text(); // stand-ins only: small
      if ([...held.keys()].some((json) => !text.includes(json))) {
        // Not the body this was written for (the SDK changed how it answers): fail clearly
        // rather than send a stand-in for an answer.
        held.clear();
        return Response.json({
          jsonrpc: "2.0",
          id: null,
          error: { code: -32603, message: "Internal error: cannot write the tool result" },
        }, { status: 500 });
      }
      const headers = new Headers(res.headers);
      headers.delete("content-length");
      const init = { status: res.status, statusText: res.statusText, headers };
      const body = splice(text, held, (bytes) => {
        held.clear(); // the messages can go
        onRowsWritten?.(bytes);
      });
      if ([...held.values()].every((m) => rowsOf(m)!.bytes <= SMALL_ROWS_BYTES)) {
        // Small rows: the body as one buffer, no stream (the same bytes).
        return new Response(joined([...body]), init);
      }
      return new Response(ReadableStream.from(body), init);
    },
  };
}

/** `text` with each stand-in's JSON replaced by its message's bytes; `done` told the total. */
function* splice(
  text: string,
  held: Map<string, JSONRPCMessage>,
  done: (bytes: number) => void,
): Generator<Uint8Array> {
  const found = standIns(text, held);
  let from = 0;
  let bytes = 0;
  const counted = (piece: Uint8Array) => {
    bytes += piece.length;
    return piece;
  };
  for (const { at, json, message } of found) {
    yield counted(encoder.encode(text.slice(from, at)));
    // Pieces are handed to the response stream as they are: no buffer is reused.
    for (const piece of messageBytes(message)) yield counted(piece);
    from = at + json.length;
  }
  yield counted(encoder.encode(text.slice(from)));
  done(bytes);
}

/** Where each stand-in's JSON is in `text`, in order. */
function standIns(text: string, held: Map<string, JSONRPCMessage>) {
  return [...held].map(([json, message]) => ({ at: text.indexOf(json), json, message }))
    .filter((f) => f.at >= 0)
    .sort((a, b) => a.at - b.at);
}

function joined(pieces: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
