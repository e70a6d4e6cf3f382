/** A plan's estimates, from `EXPLAIN (FORMAT JSON)`. */
export interface PlanSummary {
  /** The planner's total cost of the top node. */
  totalCost: number;
  /** Rows the planner expects the statement to return. */
  planRows: number;
  /** The top nodes, breadth first (at most `MAX_NODES`), for a reader to see where cost goes. */
  nodes: PlanNode[];
}

export interface PlanNode {
  node_type: string;
  relation?: string;
  total_cost: number;
  plan_rows: number;
  depth: number;
}

const MAX_NODES = 8;

/** What plans a statement without running it: `${EXPLAIN_JSON}${statement}`. */
export const EXPLAIN_JSON = "EXPLAIN (FORMAT JSON) ";

/**
 * PostgreSQL's error for `EXPLAIN_JSON + statement`, with its position (1-based, in the text
 * sent) moved into the statement, where the caller and a repairing model look for it.
 */
export function positionInStatement(error: unknown): unknown {
  const e = error as { position?: unknown } | null;
  if (e === null || typeof e !== "object" || e.position === undefined) return error;
  const position = Number(e.position);
  if (Number.isInteger(position) && position > EXPLAIN_JSON.length) {
    e.position = String(position - EXPLAIN_JSON.length);
  }
  return error;
}

interface RawPlan {
  "Node Type"?: string;
  "Relation Name"?: string;
  Schema?: string;
  "Total Cost"?: number;
  "Plan Rows"?: number;
  Plans?: RawPlan[];
}

/** Reads the JSON plan (an array holding `{ Plan: {...} }`, or its text). */
export function planSummary(queryPlan: unknown): PlanSummary {
  let value = queryPlan;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      value = undefined;
    }
  }
  const root = (Array.isArray(value) ? value[0] : value) as { Plan?: RawPlan } | undefined;
  const top = root?.Plan;
  if (!top) return { totalCost: 0, planRows: 0, nodes: [] };
  const nodes: PlanNode[] = [];
  const queue: { plan: RawPlan; depth: number }[] = [{ plan: top, depth: 0 }];
  while (queue.length > 0 && nodes.length < MAX_NODES) {
    const { plan, depth } = queue.shift()!;
    nodes.push({
      node_type: plan["Node Type"] ?? "?",
      ...(plan["Relation Name"]
        ? {
          relation: plan.Schema ? `${plan.Schema}.${plan["Relation Name"]}` : plan["Relation Name"],
        }
        : {}),
      total_cost: plan["Total Cost"] ?? 0,
      plan_rows: plan["Plan Rows"] ?? 0,
      depth,
    });
    for (const child of plan.Plans ?? []) queue.push({ plan: child, depth: depth + 1 });
  }
  return { totalCost: top["Total Cost"] ?? 0, planRows: top["Plan Rows"] ?? 0, nodes };
}
