import type { DriverColumn, RawRow } from "./driver.ts";
import { JsonRows } from "./json_rows.ts";
import { textToJsonText } from "./pg_text.ts";
import type { TypeInfo } from "./pg_types.ts";

/** Values up to this many bytes are decoded here when they are ASCII. */
const SHORT_VALUE = 32;

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

/** What the rows are, beyond themselves, noted while they came (for the result checks). */
export interface RowFacts {
  /** Per column: NULL in every row kept (false when there is no row). */
  allNull: boolean[];
}

export interface CollectedRows {
  rows: JsonRows;
  facts: RowFacts;
  truncatedBy?: TruncatedBy;
}

/**
 * Turns raw text rows straight into JSON text by column type (no JavaScript value on the way for
 * the usual types), and stops at the row cap or when the rows would pass the character or byte
 * budget. That text is what the budget counts and what the answer carries.
 */
export class RowCollector {
  readonly #pieces: string[] = [];
  readonly #decoder = new TextDecoder();
  readonly #allNull: boolean[];
  #chars = 2; // "[" and "]"
  #bytes = 2;
  #truncatedBy: TruncatedBy | undefined;

  constructor(
    private readonly types: readonly TypeInfo[],
    private readonly lookup: (oid: number) => TypeInfo,
    private readonly limits: CollectLimits,
  ) {
    this.#allNull = types.map(() => true);
  }

  get full(): boolean {
    return this.#truncatedBy !== undefined;
  }

  get count(): number {
    return this.#pieces.length;
  }

  /** Adds rows; false once a cap is reached (later rows are dropped). */
  add(batch: readonly RawRow[]): boolean {
    for (const raw of batch) {
      if (this.#truncatedBy) return false;
      if (this.#pieces.length >= this.limits.maxRows) {
        this.#truncatedBy = "rows";
        return false;
      }
      // UTF-8 size of the JSON: the raw bytes plus what escaping added (always ASCII).
      let extraBytes = 0;
      const values: string[] = new Array(raw.length);
      for (let i = 0; i < raw.length; i++) {
        const v = raw[i];
        if (v === null) {
          values[i] = "null";
          continue;
        }
        this.#allNull[i] = false;
        const text = this.#decode(v);
        values[i] = textToJsonText(text, this.types[i], this.lookup);
        extraBytes += v.length - text.length; // multi-byte characters
      }
      // join() makes one flat string (no rope to flatten later when it is written).
      const json = `[${values.join(",")}]`;
      const separator = this.#pieces.length > 0 ? 1 : 0;
      const chars = this.#chars + json.length + separator;
      const bytes = this.#bytes + json.length + extraBytes + separator;
      if (chars > this.limits.maxChars || bytes > this.limits.maxBytes) {
        this.#truncatedBy = "bytes";
        return false;
      }
      this.#chars = chars;
      this.#bytes = bytes;
      this.#pieces.push(json);
    }
    return true;
  }

  /**
   * UTF-8 to a string. Most values are short and ASCII (numbers, dates, codes, names): reading
   * those byte by byte here is cheaper than a call into the runtime's decoder for each one.
   */
  #decode(bytes: Uint8Array): string {
    if (bytes.length <= SHORT_VALUE) {
      let text = "";
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if (b >= 0x80) return this.#decoder.decode(bytes);
        text += String.fromCharCode(b);
      }
      return text;
    }
    return this.#decoder.decode(bytes);
  }

  /** Marks the result cut by the row cap when the server had more rows than were kept. */
  sawMoreRows(): void {
    this.#truncatedBy ??= "rows";
  }

  finish(): CollectedRows {
    const rows = this.#pieces.length;
    return {
      rows: new JsonRows(this.#pieces),
      facts: { allNull: this.#allNull.map((n) => n && rows > 0) },
      ...(this.#truncatedBy ? { truncatedBy: this.#truncatedBy } : {}),
    };
  }
}

/** The columns' type facts, in order. */
export function columnTypes(
  columns: readonly DriverColumn[],
  lookup: (oid: number) => TypeInfo,
): TypeInfo[] {
  return columns.map((c) => lookup(c.type));
}
