import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** What pg-mcp counts; exposed in Prometheus's text format. */
export interface Metrics {
  toolCall(tool: string, outcome: string, seconds: number): void;
  llmTokens(stage: string, tokens: number): void;
  /** Reports a circuit breaker's state at every scrape. */
  watchCircuit(dependency: string, isOpen: () => boolean): void;
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const calls = new Counter({
    name: "pgmcp_tool_calls_total",
    help: "MCP tool calls by tool and outcome (ok or the error code)",
    labelNames: ["tool", "outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "pgmcp_tool_duration_seconds",
    help: "MCP tool call duration",
    labelNames: ["tool"],
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const tokens = new Counter({
    name: "pgmcp_llm_tokens_total",
    help: "LLM tokens used, by pipeline stage",
    labelNames: ["stage"],
    registers: [registry],
  });
  const circuits = new Map<string, () => boolean>();
  new Gauge({
    name: "pgmcp_circuit_open",
    help: "1 while a dependency's circuit breaker is open",
    labelNames: ["dependency"],
    registers: [registry],
    collect() {
      for (const [dependency, isOpen] of circuits) this.set({ dependency }, isOpen() ? 1 : 0);
    },
  });
  return {
    toolCall(tool, outcome, seconds) {
      calls.inc({ tool, outcome });
      duration.observe({ tool }, seconds);
    },
    llmTokens(stage, n) {
      if (n > 0) tokens.inc({ stage }, n);
    },
    watchCircuit(dependency, isOpen) {
      circuits.set(dependency, isOpen);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/** GET /metrics. */
export function metricsRoute(metrics: Metrics) {
  return async (): Promise<Response> =>
    new Response(await metrics.render(), { headers: { "content-type": metrics.contentType } });
}
