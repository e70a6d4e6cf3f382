/** The first chunk's size: a one-row answer allocates little. */
const FIRST_CHUNK = 4 * 1024;
/** Chunks double up to this size: a large answer is a few hundred of them, not one huge buffer. */
const MAX_CHUNK = 256 * 1024;

/**
 * Bytes appended in chunks (off the JavaScript heap, never copied to grow), with a way back to an
 * earlier length (a row that would pass the budget is taken back). Writers use `buf` and `pos`
 * directly after `reserve(n)` made room for `n` bytes.
 */
export class ByteChunks {
  buf: Uint8Array = new Uint8Array(FIRST_CHUNK);
  pos = 0;
  readonly #full: Uint8Array[] = [];
  #fullBytes = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#fullBytes + this.pos;
  }

  /** Makes room for `n` more bytes in `buf` at `pos`. */
  reserve(n: number): void {
    if (this.buf.length - this.pos >= n) return;
    if (this.pos > 0) {
      this.#full.push(this.buf.subarray(0, this.pos));
      this.#fullBytes += this.pos;
    }
    const next = Math.min(MAX_CHUNK, this.buf.length * 2);
    this.buf = new Uint8Array(Math.max(next, n));
    this.pos = 0;
  }

  /** Appends bytes (any length). */
  bytes(src: Uint8Array): void {
    this.reserve(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Goes back to `length` bytes (at most the current length): what followed is dropped. */
  truncate(length: number): void {
    while (length < this.#fullBytes) {
      const last = this.#full.pop()!;
      this.#fullBytes -= last.length;
      // The chunk's whole buffer becomes the one written to again.
      this.buf = new Uint8Array(last.buffer, last.byteOffset, last.buffer.byteLength);
      this.pos = last.length;
    }
    this.pos = length - this.#fullBytes;
  }

  /** The bytes written, in order (views of the chunks, not copies). */
  chunks(): Uint8Array[] {
    return this.pos > 0 ? [...this.#full, this.buf.subarray(0, this.pos)] : [...this.#full];
  }
}
