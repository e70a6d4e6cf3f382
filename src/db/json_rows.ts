import type { JsonValue } from "./pg_text.ts";

const OPEN = new Uint8Array([0x5b]);
const CLOSE = new Uint8Array([0x5d]);

/** A text made of the rows' JSON between two strings (see `JsonRows.splice`). */
export interface Splice {
  text: string;
  before: string;
  after: string;
}

/**
 * A result's rows as one JSON array (`[[1,"a",null],[2,"b",null]]`), made once while the rows
 * arrive, held as UTF-8 bytes. Serializers that know it write those bytes as they are (the
 * stdio transport, HTTP responses); the text copy is that JSON decoded once; anything else gets
 * the values through `toJSON`.
 */
export class JsonRows {
  #text: string | undefined;
  #decoded: string[] | undefined;
  #values: JsonValue[][] | undefined;
  #splice: Splice | undefined;

  /**
   * @param chunks the UTF-8 bytes of the rows separated by commas, without the outer brackets
   * @param ends per row, the UTF-16 offset of its end in that text
   * @param chars the UTF-16 length of the whole array, brackets included
   * @param bytes its UTF-8 size
   */
  constructor(
    private readonly chunks: readonly Uint8Array[],
    private readonly ends: readonly number[],
    readonly chars: number,
    readonly bytes: number,
  ) {}

  /** Rows given as values (tests, and results not read from the database). */
  static of(values: readonly (readonly unknown[])[]): JsonRows {
    const ends: number[] = [];
    let at = 0;
    const pieces = values.map((v, i) => {
      const piece = JSON.stringify(v);
      at += piece.length + (i > 0 ? 1 : 0);
      ends.push(at);
      return piece;
    });
    const bytes = new TextEncoder().encode(pieces.join(","));
    return new JsonRows(bytes.length > 0 ? [bytes] : [], ends, at + 2, bytes.length + 2);
  }

  get length(): number {
    return this.ends.length;
  }

  /** The UTF-8 bytes of the JSON array, in order (views, never copies). */
  *utf8(): Generator<Uint8Array> {
    yield OPEN;
    yield* this.chunks;
    yield CLOSE;
  }

  /**
   * The rows as one JSON array text, decoded once, a chunk at a time: the string is made of
   * those pieces (V8 joins them only when something reads its characters), so it takes no
   * more room than the pieces and no buffer of the whole is ever made.
   */
  json(): string {
    if (this.#text === undefined) {
      let text = "[";
      for (const part of this.#parts()) text += part;
      this.#text = text + "]";
    }
    return this.#text;
  }

  /** Whether `needle` occurs in `json()`, read piece by piece (the text is not joined). */
  includes(needle: string): boolean {
    const keep = needle.length - 1;
    let carry = "";
    for (const part of ["[", ...this.#parts(), "]"]) {
      if (part.includes(needle)) return true;
      if (keep > 0 && (carry + part.slice(0, keep)).includes(needle)) return true;
      carry = part.length >= keep ? part.slice(part.length - keep) : (carry + part).slice(-keep);
    }
    return false;
  }

  /** The decoded chunks (a character cut between two chunks is decoded whole). */
  #parts(): string[] {
    if (this.#decoded === undefined) {
      const decoder = new TextDecoder();
      this.#decoded = this.chunks.map((c, i) =>
        decoder.decode(c, { stream: i < this.chunks.length - 1 })
      );
    }
    return this.#decoded;
  }

  /** Each row's JSON text (`[1,"a",null]`), in order. */
  pieces(): string[] {
    const text = this.json();
    return this.ends.map((end, i) => text.slice(i === 0 ? 1 : this.ends[i - 1] + 2, end + 1));
  }

  /** Every row as values (parsed once, on demand). */
  values(): JsonValue[][] {
    this.#values ??= JSON.parse(this.json()) as JsonValue[][];
    return this.#values;
  }

  /** The first `n` rows as values. */
  head(n: number): JsonValue[][] {
    if (n >= this.length) return this.values();
    if (n <= 0) return [];
    return JSON.parse(`${this.json().slice(0, this.ends[n - 1] + 1)}]`) as JsonValue[][];
  }

  /**
   * `before + json() + after`, remembered: a serializer given that very string (`spliced`) can
   * write its middle from the bytes instead of reading the string.
   */
  splice(before: string, after: string): string {
    const text = before + this.json() + after;
    this.#splice = { text, before, after };
    return text;
  }

  /** What `text` is made of, when it is the string `splice` returned. */
  spliced(text: string): Splice | undefined {
    // The same string object: no characters are compared.
    return this.#splice !== undefined && this.#splice.text === text ? this.#splice : undefined;
  }

  toJSON(): JsonValue[][] {
    return this.values();
  }
}
