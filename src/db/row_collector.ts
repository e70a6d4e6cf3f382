import { ByteChunks } from "./byte_chunks.ts";
import type { DriverColumn, RawRow } from "./driver.ts";
import { JsonRows } from "./json_rows.ts";
import { writeJsonValue } from "./json_value_bytes.ts";
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

const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/**
 * Turns raw text rows straight into JSON as UTF-8 bytes by column type (no JavaScript string on
 * the way for the usual types), and stops at the row cap or when the rows would pass the
 * character or byte budget, counted exactly as they are written. Those bytes are what the
 * answer carries; the raw rows can go as soon as a batch is added.
 */
export class RowCollector {
  readonly #out = new ByteChunks();
  /** Per row kept: the UTF-16 length of the rows' JSON up to its end (`[` not counted). */
  readonly #ends: number[] = [];
  readonly #allNull: boolean[];
  #chars = 2; // "[" and "]"
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
    return this.#ends.length;
  }

  /** Adds rows; false once a cap is reached (later rows are dropped). */
  add(batch: readonly RawRow[]): boolean {
    const out = this.#out;
    const { maxRows, maxChars, maxBytes } = this.limits;
    for (const raw of batch) {
      if (this.#truncatedBy) return false;
      if (this.#ends.length >= maxRows) {
        this.#truncatedBy = "rows";
        return false;
      }
      const start = out.length;
      // The row's `[` and `]` and, from the second row on, the `,` before it.
      const first = this.#ends.length === 0;
      let chars = this.#chars + (first ? 2 : 3);
      out.reserve(2);
      if (!first) out.buf[out.pos++] = COMMA;
      out.buf[out.pos++] = OPEN;
      for (let i = 0; i < raw.length; i++) {
        if (i > 0) {
          out.reserve(1);
          out.buf[out.pos++] = COMMA;
          chars++;
        }
        const v = raw[i];
        if (v === null) {
          out.reserve(4);
          for (const b of NULL) out.buf[out.pos++] = b;
          chars += 4;
          continue;
        }
        // JSON never takes fewer bytes than the raw text of a scalar: a value that cannot fit
        // is not converted at all.
        if (this.types[i].element === undefined && out.length + v.length + 2 > maxBytes) {
          return this.#cut(start);
        }
        chars += writeJsonValue(out, v, this.types[i], this.lookup);
        if (chars > maxChars || out.length + 2 > maxBytes) return this.#cut(start);
      }
      out.reserve(1);
      out.buf[out.pos++] = CLOSE;
      // The bytes of `[` + rows + `]`: what was written plus the closing `]`.
      if (chars > maxChars || out.length + 2 > maxBytes) return this.#cut(start);
      for (let i = 0; i < raw.length; i++) if (raw[i] !== null) this.#allNull[i] = false;
      this.#chars = chars;
      this.#ends.push(chars - 2); // without the "[" and "]"
    }
    return true;
  }

  /** Takes back the row begun at `start`: the result ends before it, cut by the budget. */
  #cut(start: number): false {
    this.#out.truncate(start);
    this.#truncatedBy = "bytes";
    return false;
  }

  /** Marks the result cut by the row cap when the server had more rows than were kept. */
  sawMoreRows(): void {
    this.#truncatedBy ??= "rows";
  }

  finish(): CollectedRows {
    const rows = this.#ends.length;
    return {
      rows: new JsonRows(this.#out.chunks(), this.#ends, this.#chars, this.#out.length + 2),
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
