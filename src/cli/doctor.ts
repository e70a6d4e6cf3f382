import type { App } from "../app.ts";
import type { Config } from "../config/config.ts";
import { describeProblem } from "../db/role_check.ts";
import type { Result } from "../errors.ts";
import type { Llm } from "../llm/llm_client.ts";

/** One line of the report: ok, a warning (usable), or a failure (not usable). */
export interface Check {
  status: "ok" | "warn" | "fail";
  subject: string;
  detail: string;
}

export interface DoctorDeps {
  config: Config;
  /** The app as the server would build it (its databases). */
  app: App;
  /** The model client, when OPENAI_API_KEY is set. */
  llm: Result<Llm>;
  /** Whether `host:port` can be bound now. */
  canBind(host: string, port: number): boolean;
  /** How long each database may take to answer (ms). */
  timeoutMs?: number;
}

/**
 * Every check `pg-mcp doctor` runs. Usable means: at least one database answers and nothing
 * failed; warnings (a role that can write, no model configured, a busy metrics port) leave it
 * usable.
 */
export async function runDoctor(deps: DoctorDeps): Promise<{ checks: Check[]; usable: boolean }> {
  const checks: Check[] = [{
    status: "ok",
    subject: "configuration",
    detail: `transport ${deps.config.server.transport}, ${deps.app.databases.names().length} ` +
      `database${deps.app.databases.names().length === 1 ? "" : "s"}` +
      (deps.config.demo ? " (the embedded demo database)" : ""),
  }];
  let reachable = 0;
  for (const db of deps.app.databases.list()) {
    const subject = `database ${db.name}${db.isDefault ? " (default)" : ""}`;
    const version = await within(db.serverVersion(), deps.timeoutMs ?? 5_000);
    if (!version || !version.ok) {
      checks.push({
        status: "fail",
        subject,
        detail: version ? version.error.message : "no answer within 5 s",
      });
      continue;
    }
    reachable++;
    checks.push({ status: "ok", subject, detail: `PostgreSQL ${version.value}` });
    const role = await db.role();
    if (role.ok) {
      checks.push(
        role.value.readOnly
          ? {
            status: "ok",
            subject: `${subject} role`,
            detail: `"${role.value.role}" is read-only`,
          }
          : {
            status: "warn",
            subject: `${subject} role`,
            detail: `"${role.value.role}" can do more than read: ${
              role.value.problems.map(describeProblem).join("; ")
            } (the README shows how to create a read-only role)`,
          },
      );
    }
    const schema = await db.schema.get();
    if (schema.ok) {
      checks.push({
        status: schema.value.tables.length > 0 ? "ok" : "warn",
        subject: `${subject} tables`,
        detail: `${schema.value.tables.length} tables and views readable` +
          (schema.value.tables.length === 0 ? ": grant SELECT to the role" : ""),
      });
    }
  }
  if (!deps.llm.ok) {
    checks.push({
      status: "warn",
      subject: "language model",
      detail: "OPENAI_API_KEY is not set: `query` is off; execute_sql and the schema tools work",
    });
  } else {
    const answer = await deps.llm.value.complete(
      [{ role: "user", content: "Reply with the word OK." }],
      {},
    );
    checks.push(
      answer.ok
        ? {
          status: "ok",
          subject: "language model",
          detail: `${deps.llm.value.model} answered (${answer.value.usage.totalTokens} tokens)`,
        }
        : { status: "fail", subject: "language model", detail: answer.error.message },
    );
  }
  const { metricsEnabled, metricsPort } = deps.config.observability;
  if (metricsEnabled && metricsPort !== 0) {
    const free = deps.canBind(deps.config.server.host, metricsPort);
    checks.push({
      status: free ? "ok" : "warn",
      subject: "metrics port",
      detail: free
        ? `${deps.config.server.host}:${metricsPort} is free for /metrics`
        : `${deps.config.server.host}:${metricsPort} is in use: metrics would not be served ` +
          "(set OBSERVABILITY_METRICS_PORT)",
    });
  }
  if (deps.config.server.transport === "http") {
    const free = deps.canBind(deps.config.server.host, deps.config.server.port);
    checks.push({
      status: free ? "ok" : "fail",
      subject: "HTTP port",
      detail: `${deps.config.server.host}:${deps.config.server.port} ${
        free ? "is free" : "is in use"
      }`,
    });
  }
  const usable = reachable > 0 && checks.every((c) => c.status !== "fail");
  return { checks, usable };
}

/** The report as people read it. */
export function formatReport(checks: readonly Check[], usable: boolean): string {
  const mark = { ok: "ok  ", warn: "warn", fail: "FAIL" };
  const width = Math.max(...checks.map((c) => c.subject.length));
  return [
    ...checks.map((c) => `[${mark[c.status]}] ${c.subject.padEnd(width)}  ${c.detail}`),
    "",
    usable ? "pg-mcp is ready to serve." : "pg-mcp is not usable yet: fix the FAIL lines above.",
    "",
  ].join("\n");
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), ms));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when a TCP listener could be opened on host:port just now. */
export function canBind(host: string, port: number): boolean {
  try {
    const listener = Deno.listen({ hostname: host, port });
    listener.close();
    return true;
  } catch {
    return false;
  }
}
