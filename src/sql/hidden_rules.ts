/**
 * The validator's hidden-data rules (SECURITY_HIDDEN_TABLES, SECURITY_HIDDEN_COLUMNS): no form of
 * a statement may read a hidden value. The statement's parse tree is all there is (no catalog),
 * so a reference that might reach a hidden column is refused rather than guessed at:
 *
 * - a relation a table pattern names, anywhere (FROM, JOIN, subquery, CTE, write target), and
 *   any TOAST table (`pg_toast.*`: it holds other tables' long values, hidden ones included);
 * - pg_stats, pg_stats_ext and pg_stats_ext_exprs (their sample values) once anything is hidden;
 * - a column reference that may be a hidden column: qualified (`t.c`, `s.t.c`, through an
 *   alias or a join alias) or not (`c`, when a relation of the statement has a hidden `c`), in
 *   any clause (a WHERE on a hidden column is an oracle);
 * - `*` over a FROM list with a relation that may have a hidden column, and `t.*`;
 * - a whole-row reference (`t`, as in `row_to_json(t)`, `t::text`, `format('%s', t)`, `ssn(t)`)
 *   to such a relation or to a join over one;
 * - renaming such a relation's columns (`FROM t AS x(a, b)`), `JOIN ... USING` a hidden column,
 *   and `NATURAL JOIN` with such a relation (it compares the columns it does not name).
 *
 * Subqueries and CTEs are checked where they read, so what they return is clean. Names are
 * compared case-insensitively; an unqualified relation may be in any schema. What the parser
 * cannot see stays out of reach of these rules: views, functions and inheritance parents that
 * read a hidden table (hide them too, or use column privileges).
 */
import type { Result } from "../errors.ts";
import type { HiddenMatcher, HiddenPattern } from "../hidden/patterns.ts";
import type { AstNode } from "./parse.ts";
import { refuse } from "./refusal.ts";

/** Visits every node of one statement (`inspectStatement`'s walk), then judges the references. */
export interface HiddenRules {
  visit(type: string, fields: AstNode): Result<never> | undefined;
  finish(): Result<never> | undefined;
}

interface Relation {
  schema?: string;
  name: string;
  alias?: string;
  /** As written: `schema.name` or `name`. */
  display: string;
}

const STAR = Symbol("*");
type Part = string | typeof STAR;

const STATISTICS_VIEWS = new Set(["pg_stats", "pg_stats_ext", "pg_stats_ext_exprs"]);

export function hiddenRules(hidden: HiddenMatcher): HiddenRules {
  const relations: Relation[] = [];
  const joinAliases: { alias: string; relations: Relation[] }[] = [];
  const refs: Part[][] = [];
  /** `*` ColumnRefs of a SELECT list, judged against that SELECT's own FROM list. */
  const localStars = new Set<AstNode>();
  let unplacedStar = false;

  const mayHide = (r: Relation) => hidden.mayHideColumns(r.schema, r.name);
  const hiddenColumnRefusal = (r: Relation, column: string, message: string) => {
    const p = hidden.hiddenColumn(r.schema, r.name, column);
    return p
      ? refuse<never>("hidden_column", message, {
        relation: r.display,
        column,
        pattern: p.text,
      })
      : undefined;
  };
  const wholeRowRefusal = (rels: readonly Relation[], what: string) => {
    for (const r of rels) {
      const p = mayHide(r);
      if (p) {
        // The statement named no hidden column: the refusal names none either.
        return refuse<never>(
          "hidden_column",
          `Cannot ${what}: "${r.display}" ${has(p)} hidden columns; name the columns you need`,
          { relation: r.display },
        );
      }
    }
    return undefined;
  };
  /** The relations a qualifier (`t`, `s.t`, `db.s.t`) may name. */
  const qualified = (qual: readonly string[]): Relation[] => {
    if (qual.length === 1) {
      const q = qual[0];
      return [
        ...relations.filter((r) => r.alias === q || r.name === q),
        ...joinAliases.filter((j) => j.alias === q).flatMap((j) => j.relations),
      ];
    }
    const [schema, name] = qual.slice(-2);
    return relations.filter((r) =>
      r.name === name && (r.schema === undefined || r.schema === schema)
    );
  };

  return {
    visit(type, fields) {
      switch (type) {
        case "RangeVar": {
          if (typeof fields.relname !== "string") return undefined;
          const r = relationOf(fields);
          relations.push(r);
          const table = hidden.hiddenTable(r.schema, r.name);
          if (table) {
            return refuse("hidden_table", `Cannot read "${r.display}": the table is hidden`, {
              relation: r.display,
              pattern: table.text,
            });
          }
          if (
            r.schema === "pg_toast" || (r.schema === undefined && r.name.startsWith("pg_toast_"))
          ) {
            return refuse(
              "hidden_table",
              `Cannot read "${r.display}": TOAST tables hold other tables' values, hidden ones ` +
                "included",
              { relation: r.display },
            );
          }
          if (
            STATISTICS_VIEWS.has(r.name) && (r.schema === undefined || r.schema === "pg_catalog")
          ) {
            return refuse(
              "hidden_statistics",
              `Cannot read "${r.display}": its sample values would show hidden data`,
              { relation: r.display },
            );
          }
          if (aliasColumns(fields)) {
            return wholeRowRefusal([r], `rename the columns of "${r.display}"`);
          }
          return undefined;
        }
        case "JoinExpr": {
          const inside = [
            ...fromRelations([fields.larg]),
            ...fromRelations([fields.rarg]),
          ];
          const alias = (fields.alias as AstNode | undefined)?.aliasname;
          if (typeof alias === "string") {
            joinAliases.push({ alias: alias.toLowerCase(), relations: inside });
            if (aliasColumns(fields)) {
              const renamed = wholeRowRefusal(inside, `rename the columns of join "${alias}"`);
              if (renamed) return renamed;
            }
          }
          if (fields.isNatural === true) {
            const natural = wholeRowRefusal(inside, "use NATURAL JOIN, which compares them all");
            if (natural) return natural;
          }
          for (const column of stringList(fields.usingClause)) {
            for (const r of inside) {
              const using = hiddenColumnRefusal(
                r,
                column,
                `Cannot join USING ("${column}"): it is a hidden column of "${r.display}"`,
              );
              if (using) return using;
            }
          }
          return undefined;
        }
        case "SelectStmt": {
          const stars = selectListStars(fields.targetList);
          if (stars.length === 0) return undefined;
          for (const s of stars) localStars.add(s);
          return wholeRowRefusal(
            fromRelations(asArray(fields.fromClause)),
            'expand "*"',
          );
        }
        case "ColumnRef": {
          const parts = refParts(fields.fields);
          if (parts.length === 1 && parts[0] === STAR) {
            if (!localStars.has(fields)) unplacedStar = true;
            return undefined;
          }
          refs.push(parts);
          return undefined;
        }
      }
      return undefined;
    },

    finish() {
      if (unplacedStar) {
        const star = wholeRowRefusal(relations, 'expand "*"');
        if (star) return star;
      }
      for (const parts of refs) {
        const written = parts.map((p) => p === STAR ? "*" : p).join(".");
        const first = parts[0];
        if (typeof first === "string") {
          for (const r of relations) {
            const bare = hiddenColumnRefusal(
              r,
              first,
              parts.length === 1
                ? `Cannot read "${first}": "${r.display}" has a hidden column of that name`
                : `Cannot read "${written}": "${first}" may be the hidden column ` +
                  `"${r.display}.${first}"`,
            );
            if (bare) return bare;
          }
        }
        if (parts.length === 1 && typeof first === "string") {
          const whole = wholeRowRefusal(qualified([first]), `use the whole row of "${first}"`);
          if (whole) return whole;
        }
        for (let i = 1; i < parts.length; i++) {
          const qual = parts.slice(0, i).filter((p): p is string => p !== STAR);
          if (qual.length !== i) break;
          const column = parts[i];
          const rels = qualified(qual);
          if (column === STAR) {
            const star = wholeRowRefusal(rels, `expand "${written}"`);
            if (star) return star;
            continue;
          }
          for (const r of rels) {
            const direct = hiddenColumnRefusal(
              r,
              column,
              `Cannot read "${written}": it is a hidden column of "${r.display}"`,
            );
            if (direct) return direct;
          }
        }
      }
      return undefined;
    },
  };
}

function has(p: HiddenPattern): string {
  return p.table === "*" ? "may have" : "has";
}

function relationOf(fields: AstNode): Relation {
  const name = String(fields.relname).toLowerCase();
  const schema = typeof fields.schemaname === "string"
    ? fields.schemaname.toLowerCase()
    : undefined;
  const aliasname = (fields.alias as AstNode | undefined)?.aliasname;
  return {
    name,
    ...(schema !== undefined ? { schema } : {}),
    ...(typeof aliasname === "string" ? { alias: aliasname.toLowerCase() } : {}),
    display: schema !== undefined ? `${schema}.${name}` : name,
  };
}

function aliasColumns(fields: AstNode): boolean {
  const colnames = (fields.alias as AstNode | undefined)?.colnames;
  return Array.isArray(colnames) && colnames.length > 0;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The base relations a FROM list reads directly: its tables, through joins and TABLESAMPLE, not
 * inside subqueries or functions (those are judged where they read).
 */
function fromRelations(items: readonly unknown[]): Relation[] {
  const out: Relation[] = [];
  for (const item of items) {
    if (item === null || typeof item !== "object") continue;
    const node = item as AstNode;
    if (node.RangeVar) out.push(relationOf(node.RangeVar as AstNode));
    else if (node.JoinExpr) {
      const j = node.JoinExpr as AstNode;
      out.push(...fromRelations([j.larg, j.rarg]));
    } else if (node.RangeTableSample) {
      const relation = (node.RangeTableSample as AstNode).relation as AstNode | undefined;
      if (relation?.RangeVar) out.push(relationOf(relation.RangeVar as AstNode));
      else if (typeof relation?.relname === "string") out.push(relationOf(relation));
    } else if (typeof node.relname === "string") out.push(relationOf(node));
  }
  return out;
}

/** The `*` ColumnRefs a SELECT list holds directly (`SELECT *, x`). */
function selectListStars(targetList: unknown): AstNode[] {
  const out: AstNode[] = [];
  for (const item of asArray(targetList)) {
    const val = ((item as AstNode).ResTarget as AstNode | undefined)?.val as AstNode | undefined;
    const ref = val?.ColumnRef as AstNode | undefined;
    if (!ref) continue;
    const parts = refParts(ref.fields);
    if (parts.length === 1 && parts[0] === STAR) out.push(ref);
  }
  return out;
}

function refParts(list: unknown): Part[] {
  return asArray(list).map((p) => {
    const node = p as { String?: { sval?: string }; A_Star?: unknown };
    return node.A_Star !== undefined ? STAR : String(node.String?.sval ?? "").toLowerCase();
  });
}

function stringList(list: unknown): string[] {
  return asArray(list).map((p) =>
    String((p as { String?: { sval?: string } }).String?.sval ?? "").toLowerCase()
  );
}
