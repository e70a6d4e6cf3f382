/**
 * Splits a byte stream into newline-terminated lines in linear time: each chunk is searched once
 * and a line's pieces are joined once. (The SDK's ReadBuffer joins the whole buffer and searches
 * it from the start on every chunk, which is quadratic in the size of one message.)
 */
export class LineSplitter {
  #pieces: Uint8Array[] = [];
  #pending = 0;

  /** Feeds a chunk; returns the lines it completed, without their "\n". */
  push(chunk: Uint8Array): Uint8Array[] {
    const lines: Uint8Array[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      lines.push(this.#take(chunk.subarray(start, nl)));
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.#pieces.push(chunk.slice(start)); // a copy: the reader may reuse its buffer
      this.#pending += chunk.length - start;
    }
    return lines;
  }

  /** Bytes held for a line not yet terminated. */
  get pending(): number {
    return this.#pending;
  }

  #take(tail: Uint8Array): Uint8Array {
    if (this.#pieces.length === 0) return tail.slice();
    const line = new Uint8Array(this.#pending + tail.length);
    let at = 0;
    for (const p of this.#pieces) {
      line.set(p, at);
      at += p.length;
    }
    line.set(tail, at);
    this.#pieces = [];
    this.#pending = 0;
    return line;
  }
}
