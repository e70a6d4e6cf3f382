import {
  type Attributes,
  context,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";

export type { Tracer };

/**
 * Runs `work` inside a span (a no-op unless the runtime exports traces: OTEL_DENO=true). A
 * Result that failed marks the span as an error with its code; a throw is recorded and rethrown.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
  server = false,
): Promise<T> {
  const span = tracer.startSpan(name, {
    attributes,
    kind: server ? SpanKind.SERVER : SpanKind.INTERNAL,
  });
  // Nothing exports traces and no trace is going on (the API's no-op tracer, outside any span):
  // the span has nothing to record or to hand down, so `work` runs without a context switch.
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return work();
  return context.with(trace.setSpan(context.active(), span), async () => {
    try {
      const result = await work();
      const failed = result as { ok?: boolean; error?: { code?: string } } | undefined;
      if (failed?.ok === false) {
        span.setAttribute("error.type", failed.error?.code ?? "error");
        span.setStatus({ code: SpanStatusCode.ERROR, message: failed.error?.code });
      }
      return result;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
