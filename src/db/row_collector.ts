import type { DriverColumn, RawRow } from "./driver.ts";
import { type JsonValue, textToJson } from "./pg_text.ts";
import type { TypeInfo } from "./pg_types.ts";

/** Why a result was cut short: the row cap, or the size budget. */
export type TruncatedBy = "rows" | "bytes";

export interface CollectLimits {
  /** Rows kept at most. */
  maxRows: number;
  /** UTF-16 characters the rows may take as JSON (`[[...],[...]]`). */
  maxChars: number;
  /** UTF-8 bytes the rows may take as JSON. */
  maxBytes: number;
}

/** Rows converted once to exact JSON values, serialized once, counted as they come. */
export interface CollectedRows {
  rows: JsonValue[][];
  /** The rows as one JSON array, exactly as a client will receive them. */
  rowsJson: string;
  truncatedBy?: TruncatedBy;
}

/**
 * Turns raw text rows into JSON values by column type, and stops at the row cap or when the
 * serialized rows would pass the character or byte budget. Each row is serialized once: that
 * text is what the budget counts and what the answer's text copy reuses.
 */
export class RowCollector {
  readonly #rows: JsonValue[][] = [];
  readonly #json: string[] = [];
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();
  #scratch = new Uint8Array(4096);
  #chars = 2; // "[" and "]"
  #bytes = 2;
  #truncatedBy: TruncatedBy | undefined;

  constructor(
    private readonly types: readonly TypeInfo[],
    private readonly lookup: (oid: number) => TypeInfo,
    private readonly limits: CollectLimits,
  ) {}

  get full(): boolean {
    return this.#truncatedBy !== undefined;
  }

  get count(): number {
    return this.#rows.length;
  }

  /** Adds rows; false once a cap is reached (later rows are dropped). */
  add(batch: readonly RawRow[]): boolean {
    for (const raw of batch) {
      if (this.#truncatedBy) return false;
      if (this.#rows.length >= this.limits.maxRows) {
        this.#truncatedBy = "rows";
        return false;
      }
      const values = raw.map((v, i) =>
        v === null ? null : textToJson(this.#decoder.decode(v), this.types[i], this.lookup)
      );
      const json = JSON.stringify(values);
      const separator = this.#rows.length > 0 ? 1 : 0;
      const chars = this.#chars + json.length + separator;
      const bytes = this.#bytes + this.#utf8Length(json) + separator;
      if (chars > this.limits.maxChars || bytes > this.limits.maxBytes) {
        this.#truncatedBy = "bytes";
        return false;
      }
      this.#chars = chars;
      this.#bytes = bytes;
      this.#rows.push(values);
      this.#json.push(json);
    }
    return true;
  }

  /** Marks the result cut by the row cap when the server had more rows than were kept. */
  sawMoreRows(): void {
    this.#truncatedBy ??= "rows";
  }

  finish(): CollectedRows {
    return {
      rows: this.#rows,
      rowsJson: `[${this.#json.join(",")}]`,
      ...(this.#truncatedBy ? { truncatedBy: this.#truncatedBy } : {}),
    };
  }

  #utf8Length(text: string): number {
    if (this.#scratch.length < text.length * 3) {
      this.#scratch = new Uint8Array(Math.max(text.length * 3, this.#scratch.length * 2));
    }
    return this.#encoder.encodeInto(text, this.#scratch).written;
  }
}

/** The columns' type facts, in order. */
export function columnTypes(
  columns: readonly DriverColumn[],
  lookup: (oid: number) => TypeInfo,
): TypeInfo[] {
  return columns.map((c) => lookup(c.type));
}
