import type { JsonValue } from "./pg_text.ts";

/**
 * A result's rows as JSON text, one piece per row (`[1,"a",null]`), made once while the rows
 * arrive. Serializers that know it (the stdio transport, the text copy) write the pieces as they
 * are; anything else gets the values through `toJSON`.
 */
export class JsonRows {
  #values: JsonValue[][] | undefined;

  constructor(readonly pieces: readonly string[]) {}

  /** Rows given as values (tests, and results not read from the database). */
  static of(values: readonly (readonly unknown[])[]): JsonRows {
    return new JsonRows(values.map((v) => JSON.stringify(v)));
  }

  get length(): number {
    return this.pieces.length;
  }

  /** Every row as values (parsed once, on demand). */
  values(): JsonValue[][] {
    this.#values ??= this.pieces.map((p) => JSON.parse(p) as JsonValue[]);
    return this.#values;
  }

  /** The first `n` rows as values. */
  head(n: number): JsonValue[][] {
    return this.pieces.slice(0, n).map((p) => JSON.parse(p) as JsonValue[]);
  }

  /** The rows as one JSON array text. */
  json(): string {
    return `[${this.pieces.join(",")}]`;
  }

  toJSON(): JsonValue[][] {
    return this.values();
  }
}
