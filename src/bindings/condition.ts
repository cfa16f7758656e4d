/**
 * Conditions on claims, compiled once from the configuration. Values are typed and never coerced
 * (`"true"` is not `true`); a list claim holds when any element does; `not` inverts, a missing claim
 * included (`{not: x}` holds when the claim is absent).
 */
import type { ConditionInput, Conditions } from "../config/bindings-schema.js";
import { claimSteps, readClaim } from "./claim-path.js";
import { compileGlob } from "./glob.js";

type Scalar = string | number | boolean;

/** How one condition went, for `explain` (never logged: `seen` is a claim value). */
export interface ConditionOutcome {
  /** The claim's name or pointer, or `cel` for an expression. */
  claim: string;
  rule: string;
  holds: boolean;
  /** The claim's value as seen, shortened; undefined when absent. */
  seen?: string;
  /** Why it did not hold, when the value alone does not say (a type mismatch, a CEL error). */
  note?: string;
}

interface Check {
  rule: string;
  test(value: unknown): boolean;
}

const SEEN_MAX = 120;

/** A claim value for people: JSON, shortened; claims of a verified token, never a secret of ours. */
export function describeSeen(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value) ?? String(value);
  return json.length > SEEN_MAX ? `${json.slice(0, SEEN_MAX)}… (${json.length} characters)` : json;
}

const anyElement = (value: unknown, test: (v: unknown) => boolean): boolean =>
  Array.isArray(value) ? value.some(test) : test(value);

function compileCheck(input: ConditionInput): Check {
  if (Array.isArray(input)) {
    const set = new Set<unknown>(input);
    return { rule: `any of ${JSON.stringify(input)}`, test: (v) => anyElement(v, (e) => set.has(e)) };
  }
  if (typeof input !== "object") {
    return { rule: `equals ${JSON.stringify(input)}`, test: (v) => anyElement(v, (e) => e === input) };
  }
  if ("glob" in input) {
    const list = typeof input.glob === "string" ? [input.glob] : input.glob;
    const globs = list.map(compileGlob);
    return {
      rule: `glob ${JSON.stringify(input.glob)}`,
      test: (v) => anyElement(v, (e) => typeof e === "string" && globs.some((g) => g.test(e))),
    };
  }
  if ("all_of" in input) {
    const all = input.all_of;
    return {
      rule: `all of ${JSON.stringify(all)}`,
      test: (v) => (Array.isArray(v) ? all.every((a) => v.includes(a)) : all.every((a) => a === v)),
    };
  }
  if ("present" in input) {
    const present = input.present;
    return { rule: present ? "present" : "absent", test: (v) => (v !== undefined) === present };
  }
  const inner = compileCheck(input.not);
  return { rule: `not (${inner.rule})`, test: (v) => !inner.test(v) };
}

/** The scalars a condition names, to tell a type mismatch (`"true"` against `true`) apart. */
function scalarsOf(input: ConditionInput): Scalar[] {
  if (Array.isArray(input)) return input;
  if (typeof input !== "object") return [input];
  if ("all_of" in input) return input.all_of;
  if ("not" in input) return scalarsOf(input.not);
  return [];
}

function typeNote(value: unknown, expected: Scalar[]): string | undefined {
  const values = Array.isArray(value) ? value : [value];
  for (const v of values) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") continue;
    const same = expected.find((e) => typeof e !== typeof v && String(e) === String(v));
    if (same !== undefined)
      return `the claim is the ${typeof v} ${JSON.stringify(v)}, the condition wants the ${typeof same} ${JSON.stringify(same)}: values are typed`;
  }
  return undefined;
}

export interface CompiledCondition {
  claim: string;
  evaluate(claims: Record<string, unknown>): ConditionOutcome;
}

export function compileConditions(conditions: Conditions): CompiledCondition[] {
  return Object.entries(conditions).map(([claim, input]) => {
    const steps = claimSteps(claim);
    const check = compileCheck(input);
    const expected = scalarsOf(input);
    return {
      claim,
      evaluate(claims) {
        const value = readClaim(claims, steps);
        const holds = check.test(value);
        const outcome: ConditionOutcome = { claim, rule: check.rule, holds, seen: describeSeen(value) };
        const note = holds ? undefined : typeNote(value, expected);
        if (note) outcome.note = note;
        return outcome;
      },
    };
  });
}
