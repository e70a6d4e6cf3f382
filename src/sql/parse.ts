import { fail, ok, type Result } from "../errors.ts";
import { checkInputText } from "./input_text.ts";
import { Lru } from "./lru.ts";

/** One node of PostgreSQL's parse tree: `{ NodeType: { ...fields } }`. */
export type AstNode = Record<string, unknown>;

export interface ParsedStatement {
  /** The node type of the statement, such as "SelectStmt" or "InsertStmt". */
  kind: string;
  /** The statement's fields (the inside of `{ [kind]: fields }`). */
  node: AstNode;
}

export interface SqlParser {
  /**
   * Loads the WASM parser (once) and settles when it is there; rejects when it cannot be.
   * `parse` and `fingerprint` need it: every use awaits this first (`checkSql`, `checkWrite`,
   * `loadExamplesFile`, the audit line), and the app's warm-up calls it after the start.
   */
  ready(): Promise<void>;
  /**
   * Parses with PostgreSQL's own grammar; a syntax error is SQL_PARSE_FAILED with the position.
   * Text PostgreSQL cannot take (NUL, unpaired surrogates) is INVALID_INPUT: the parser would
   * judge only what precedes a NUL.
   */
  parse(sql: string): Result<ParsedStatement[]>;
  /**
   * libpg-query's fingerprint: the same for statements that differ only in constants and
   * spacing (for audit lines that must not carry the SQL); undefined when it does not parse.
   */
  fingerprint(sql: string): string | undefined;
}

/** Fingerprints kept per parser, of texts up to this long (a few MB at most). */
const FINGERPRINTS_KEPT = 256;
const FINGERPRINT_TEXT_KEPT = 8_192;

const NOT_LOADED = "Cannot parse SQL: the parser is not loaded yet (await parser.ready() first)";

interface ParseErrorDetails {
  message?: string;
  cursorPosition?: number;
}

/** What the parser uses of libpg-query, once its WASM is instantiated. */
export interface ParserLibrary {
  parseSync(sql: string): unknown;
  fingerprintSync(sql: string): string;
}

/**
 * libpg-query keeps its WASM instance in its own module state (one per process): this only
 * caches the import and the instantiation, the way a static import would.
 */
let library: Promise<ParserLibrary> | undefined;
let loaded: ParserLibrary | undefined;

/** Imports libpg-query and instantiates its WASM, once per process. */
export function loadParserLibrary(): Promise<ParserLibrary> {
  if (!library) {
    library = import("libpg-query").then(async (lib) => {
      await lib.loadModule();
      return loaded = lib;
    });
    library.catch(() => library = undefined); // a failed load is tried again by the next use
  }
  return library;
}

/**
 * The parser, at once: libpg-query and its WASM (~30 ms at a cold start) load on the first
 * `ready()`, which every use awaits and the app's warm-up calls in the background after the
 * start. From then on the parser is synchronous. `load` is for tests (a gated loader).
 */
export function createSqlParser(
  load: () => Promise<ParserLibrary> = loadParserLibrary,
): SqlParser {
  let lib: ParserLibrary | undefined;
  /** Fingerprints of recent texts (clients repeat their SQL; null: it does not parse). */
  const fingerprints = new Lru<string, string | null>(FINGERPRINTS_KEPT);
  let loading: Promise<void> | undefined;
  const ready = () => {
    loading ??= load().then((l) => {
      lib = l;
    }, (error) => {
      loading = undefined; // the next use tries again
      throw error;
    });
    return loading;
  };
  /** The loaded library; calling `parse` before `ready()` settled is a bug, so it throws. */
  const need = (): ParserLibrary => {
    if (!lib) throw new Error(NOT_LOADED);
    return lib;
  };
  return {
    ready,
    fingerprint(sql) {
      const lib = need();
      const kept = fingerprints.get(sql);
      if (kept !== undefined) return kept ?? undefined;
      let fingerprint: string | null;
      try {
        fingerprint = lib.fingerprintSync(sql);
      } catch {
        fingerprint = null;
      }
      if (sql.length <= FINGERPRINT_TEXT_KEPT) fingerprints.set(sql, fingerprint);
      return fingerprint ?? undefined;
    },
    parse(sql) {
      const unreadable = checkInputText(sql, "the SQL");
      if (unreadable) return unreadable;
      const lib = need();
      if (sql.trim() === "") return ok([]);
      let tree: { stmts?: { stmt: AstNode }[] };
      try {
        tree = lib.parseSync(sql) as typeof tree;
      } catch (error) {
        const d = (error as { sqlDetails?: ParseErrorDetails }).sqlDetails ??
          {};
        const message = d.message ??
          (error instanceof Error ? error.message : String(error));
        return fail("SQL_PARSE_FAILED", `Cannot parse the SQL: ${message}`, {
          message,
          ...(d.cursorPosition !== undefined ? { position: d.cursorPosition + 1 } : {}),
        });
      }
      return ok((tree.stmts ?? []).map(({ stmt }) => {
        const [kind, node] = Object.entries(stmt)[0] ?? ["Unknown", {}];
        return { kind, node: node as AstNode };
      }));
    },
  };
}

/**
 * Fields whose node the JSON tree holds unwrapped (`"larg": { ...fields }` instead of
 * `"larg": { "SelectStmt": { ...fields } }`): the walk reports them under their node type.
 */
const UNWRAPPED_FIELDS: Readonly<Record<string, string>> = {
  larg: "SelectStmt",
  rarg: "SelectStmt",
  intoClause: "IntoClause",
  withClause: "WithClause",
  onConflictClause: "OnConflictClause",
  rel: "RangeVar",
  relation: "RangeVar",
};

/** Calls `visit` for every node below `root`, depth first; `visit` returns false to skip a subtree. */
export function walkAst(
  root: unknown,
  visit: (type: string, fields: AstNode) => boolean | void,
): void {
  if (Array.isArray(root)) {
    for (const item of root) walkAst(item, visit);
    return;
  }
  if (root === null || typeof root !== "object") return;
  const node = root as AstNode;
  for (const key in node) {
    const value = node[key];
    if (value === null || typeof value !== "object") continue;
    const code = key.charCodeAt(0);
    if (code >= 65 && code <= 90 && !Array.isArray(value)) {
      if (visit(key, value as AstNode) === false) continue;
      walkAst(value, visit);
    } else if (!Array.isArray(value) && UNWRAPPED_FIELDS[key] && !isWrapped(value as AstNode)) {
      if (visit(UNWRAPPED_FIELDS[key], value as AstNode) === false) continue;
      walkAst(value, visit);
    } else {
      walkAst(value, visit);
    }
  }
}

/** `{ "SelectStmt": {...} }`: one key, a node type name. */
function isWrapped(value: AstNode): boolean {
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const code = keys[0].charCodeAt(0);
  return code >= 65 && code <= 90;
}

/** The decoded, lower-cased parts of a qualified name list (`[{String:{sval}}]`). */
export function nameParts(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((p) => String((p as { String?: { sval?: string } })?.String?.sval ?? ""))
    .filter((s) => s.length > 0);
}

/** Creates the parser and waits for it: for tools, tests and benchmarks that parse at once. */
export async function loadSqlParser(): Promise<SqlParser> {
  const parser = createSqlParser();
  await parser.ready();
  return parser;
}

/**
 * Splits a script into its statements with PostgreSQL's own grammar (comments before a
 * statement stay with it). Call after a parser's `ready()` settled (or `loadSqlParser()`).
 */
export function splitSql(sql: string): Result<string[]> {
  if (!loaded) throw new Error(NOT_LOADED);
  const lib = loaded;
  let tree: { stmts?: { stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = lib.parseSync(sql) as typeof tree;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail("SQL_PARSE_FAILED", `Cannot parse the SQL: ${message}`, { message });
  }
  const bytes = new TextEncoder().encode(sql);
  const decoder = new TextDecoder();
  return ok((tree.stmts ?? []).map(({ stmt_location = 0, stmt_len }) => {
    const end = stmt_len ? stmt_location + stmt_len : bytes.length;
    return decoder.decode(bytes.subarray(stmt_location, end)).trim();
  }));
}
