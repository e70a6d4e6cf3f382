import { z } from "zod";
import { type HiddenPattern, parseHiddenPattern } from "../hidden/patterns.ts";

/** zod schemas that turn one environment string into a typed value. */
export const envInt = (min: number, max: number) =>
  z.string().trim().regex(/^-?\d+$/, "must be a whole number").transform(Number)
    .pipe(
      z.number().min(min, `must be at least ${min}`).max(
        max,
        `must be at most ${max}`,
      ),
    );

export const envNumber = (min: number, max: number) =>
  z.string().trim().regex(/^-?(\d+\.?\d*|\.\d+)$/, "must be a number")
    .transform(Number).pipe(
      z.number().min(min, `must be at least ${min}`).max(
        max,
        `must be at most ${max}`,
      ),
    );

const TRUE = ["true", "1", "yes", "on"];
const FALSE = ["false", "0", "no", "off"];
export const envBool = () =>
  z.string().trim().toLowerCase().refine(
    (v) => TRUE.includes(v) || FALSE.includes(v),
    {
      message: "must be true or false",
    },
  ).transform((v) => TRUE.includes(v));

export const envList = () =>
  z.string().transform((v) => v.split(",").map((s) => s.trim()).filter((s) => s.length > 0));

/** A comma-separated list of SECURITY_HIDDEN_* patterns; every bad one is reported. */
export const envHiddenPatterns = (kind: "table" | "column") =>
  envList().transform((items, ctx): HiddenPattern[] => {
    const patterns: HiddenPattern[] = [];
    for (const item of items) {
      const p = parseHiddenPattern(item, kind);
      if (p.ok) patterns.push(p.value);
      else ctx.addIssue({ code: "custom", message: p.error.message });
    }
    return patterns;
  });

export const envEnum = <T extends string>(values: readonly [T, ...T[]]) =>
  z.string().trim().transform((v) => values.find((x) => x.toLowerCase() === v.toLowerCase()) ?? v)
    .pipe(z.enum(values, { message: `must be one of ${values.join(", ")}` }));

export const envText = () => z.string().trim().min(1, "must not be empty");

export const envUrl = (protocols: readonly string[]) =>
  z.string().trim().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, { message: `must be a URL starting with ${protocols.join(" or ")}//` });

/** Reads variables one by one and remembers every problem, naming the variable. */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === "" ? undefined : v;
  }

  /** The parsed value, the default when unset, or the default after recording a problem. */
  get<T>(name: string, schema: z.ZodType<T, string>, fallback: T): T;
  get<T>(name: string, schema: z.ZodType<T, string>): T | undefined;
  get<T>(
    name: string,
    schema: z.ZodType<T, string>,
    fallback?: T,
  ): T | undefined {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const parsed = schema.safeParse(v);
    if (parsed.success) return parsed.data;
    this.problems.push(
      `${name} ${parsed.error.issues[0]?.message ?? "is invalid"}`,
    );
    return fallback;
  }

  problem(message: string): void {
    this.problems.push(message);
  }
}
