import assert from "node:assert/strict";
import { type Span, trace, type Tracer } from "@opentelemetry/api";
import { inSpan } from "./tracing.ts";

/** A tracer whose spans record what was done to them. */
function recordingTracer() {
  const spans: {
    name: string;
    ended: boolean;
    status?: unknown;
    attrs: Record<string, unknown>;
  }[] = [];
  const tracer = {
    startSpan(name: string, options?: { attributes?: Record<string, unknown> }) {
      const record = { name, ended: false, attrs: { ...options?.attributes } };
      spans.push(record);
      const span = {
        isRecording: () => true,
        spanContext: () => ({ traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 1 }),
        setAttribute: (k: string, v: unknown) => {
          record.attrs[k] = v;
          return span;
        },
        setStatus: (s: unknown) => {
          (record as { status?: unknown }).status = s;
          return span;
        },
        recordException: () => undefined,
        end: () => {
          record.ended = true;
        },
      };
      return span as unknown as Span;
    },
  } as unknown as Tracer;
  return { tracer, spans };
}

Deno.test("inSpan() ends a recording span, marks a failed Result and a throw as errors", async () => {
  const { tracer, spans } = recordingTracer();
  assert.equal(await inSpan(tracer, "ok", { a: 1 }, () => Promise.resolve(7)), 7);
  const failed = await inSpan(
    tracer,
    "failed",
    {},
    () => Promise.resolve({ ok: false, error: { code: "DB_FAILED" } }),
  );
  assert.equal(failed.ok, false);
  await assert.rejects(inSpan(tracer, "threw", {}, () => Promise.reject(new Error("bug"))));
  assert.deepEqual(spans.map((s) => [s.name, s.ended]), [
    ["ok", true],
    ["failed", true],
    ["threw", true],
  ]);
  assert.equal(spans[0].attrs.a, 1);
  assert.equal(spans[1].attrs["error.type"], "DB_FAILED");
  assert.ok(spans[2].status, "a throw sets the status");
});

Deno.test("inSpan() with the API's no-op tracer runs the work and hands back what it gives", async () => {
  const tracer = trace.getTracer("pg-mcp-test");
  assert.equal(await inSpan(tracer, "x", {}, () => Promise.resolve("done")), "done");
  await assert.rejects(inSpan(tracer, "x", {}, () => Promise.reject(new Error("bug"))), /bug/);
});
