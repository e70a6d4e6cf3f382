import { renderSchema } from "./render.ts";
import type { SchemaSnapshot, TableInfo } from "./types.ts";

export interface SchemaContext {
  /** The schema text for the prompt. */
  text: string;
  /** The tables it describes. */
  tables: TableInfo[];
}

/** The part of the schema a question needs, within the prompt budget. */
export function buildSchemaContext(
  snapshot: SchemaSnapshot,
  _question: string,
  _tokenBudget: number,
): SchemaContext {
  return { text: renderSchema(snapshot), tables: snapshot.tables };
}
