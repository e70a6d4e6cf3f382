import { type Attributes, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";

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
  return tracer.startActiveSpan(
    name,
    { attributes, kind: server ? SpanKind.SERVER : SpanKind.INTERNAL },
    async (span) => {
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
    },
  );
}
