/**
 * The static checks of a CEL expression written in the configuration, so a bad one stops the load with
 * its path and position. `@bufbuild/cel` has no type checker or cost estimator exported (cel-go has
 * both), so the cost is bounded here by the expression's shape, which together with the token size cap
 * keeps every evaluation linear in the token's size:
 * - at most MAX_CEL_CHARS characters (GCP's attribute_condition limit) and MAX_CEL_NODES nodes;
 * - a macro (`exists`, `all`, `exists_one`, `map`, `filter`) may not hold another macro, and its body
 *   may use only its own variables, not `claims` (otherwise every element would cost a walk of the token);
 * - `matches` takes a literal pattern (compiled once, never from the token);
 * - every function named must exist (an unknown one would otherwise fail only at run time).
 */
import type * as Cel from "@bufbuild/cel";
import type { Expr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import { RE2JS } from "@bufbuild/re2";

export const MAX_CEL_CHARS = 4096;
export const MAX_CEL_NODES = 256;
/** The one variable an expression sees: the verified token's claims (a map). */
export const CEL_CLAIMS = "claims";

/** Where the parser stopped, 1-based, and why. */
export interface CelProblem {
  message: string;
  line?: number;
  column?: number;
}

export type CelParse = { ast: Expr; problem?: undefined } | { ast?: undefined; problem: CelProblem };

/** `@bufbuild/cel`, once loaded, with the standard environment the checks name functions from. */
export interface CelLibrary {
  cel: typeof Cel;
  std: ReturnType<typeof Cel.celEnv>;
}

let library: CelLibrary | undefined;

/**
 * Loads the CEL library, once. It is imported only here, on demand: evaluating it and its protobuf runtime
 * took about 30 ms of every start (docs/benchmark.md), which a configuration without CEL never needs.
 * `loadConfigFile` calls it when the file holds an expression; code that builds a configuration with CEL
 * and checks it with the synchronous `parseConfig` awaits it first.
 */
export async function loadCel(): Promise<CelLibrary> {
  if (library) return library;
  // RE2 stays a static import: globs (bindings/glob.ts) load it at start anyway, and it is cheap.
  const cel = await import("@bufbuild/cel");
  library ??= { cel, std: cel.celEnv() };
  return library;
}

/** The loaded library; checking or compiling an expression before `loadCel()` is a programming error. */
export function celLibrary(): CelLibrary {
  if (!library) throw new Error("CEL expressions need the CEL library: await loadCel() before parseConfig");
  return library;
}

/** The configuration keys whose values are CEL expressions (bindings-schema.ts). */
const CEL_KEYS = new Set(["cel", "user_cel"]);

/** Whether a configuration, as read, holds a CEL expression anywhere (so `loadCel()` is needed to check it). */
export function holdsCel(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsCel);
  if (value === null || typeof value !== "object") return false;
  return Object.entries(value).some(
    ([key, v]) => (CEL_KEYS.has(key) && typeof v === "string") || holdsCel(v),
  );
}

const OPERATORS = /^_|^!_$|^@/;

interface Location {
  start?: { line?: unknown; column?: unknown };
}

function syntaxProblem(err: unknown): CelProblem {
  const location = (err as { location?: Location }).location?.start;
  const raw = (err as { rawMessage?: unknown }).rawMessage;
  const message = typeof raw === "string" ? raw : "syntax error";
  return typeof location?.line === "number" && typeof location.column === "number"
    ? { message: `syntax error: ${message}`, line: location.line, column: location.column }
    : { message: `syntax error: ${message}` };
}

interface Walk {
  nodes: number;
  problems: string[];
  /** The standard environment, which names the functions an expression may call. */
  std: CelLibrary["std"];
}

/** Walks the parsed tree; `loopVars` are the macro variables in scope, empty outside any macro. */
function walk(expr: Expr | undefined, loopVars: readonly string[], state: Walk): void {
  if (!expr) return;
  state.nodes += 1;
  const kind = expr.exprKind;
  switch (kind.case) {
    case "identExpr":
      if (loopVars.length > 0 && !loopVars.includes(kind.value.name))
        state.problems.push(
          `the body of a macro may use only its own variables (${loopVars.join(", ")}), not "${kind.value.name}"`,
        );
      return;
    case "selectExpr":
      walk(kind.value.operand, loopVars, state);
      return;
    case "callExpr": {
      const { function: name, target, args } = kind.value;
      if (!OPERATORS.test(name) && !state.std.funcs.find(name))
        state.problems.push(`unknown function "${name}"`);
      if (name === "matches") {
        const pattern = args[args.length - 1]?.exprKind;
        if (pattern?.case !== "constExpr" || pattern.value.constantKind.case !== "stringValue")
          state.problems.push("matches takes a literal pattern");
        else {
          try {
            RE2JS.compile(pattern.value.constantKind.value);
          } catch {
            state.problems.push("matches: the pattern is not a valid RE2 regular expression");
          }
        }
      }
      walk(target, loopVars, state);
      for (const arg of args) walk(arg, loopVars, state);
      return;
    }
    case "listExpr":
      for (const e of kind.value.elements) walk(e, loopVars, state);
      return;
    case "structExpr":
      for (const e of kind.value.entries) {
        if (e.keyKind.case === "mapKey") walk(e.keyKind.value, loopVars, state);
        walk(e.value, loopVars, state);
      }
      return;
    case "comprehensionExpr": {
      const c = kind.value;
      if (loopVars.length > 0) state.problems.push("a macro may not hold another macro");
      walk(c.iterRange, loopVars, state);
      walk(c.accuInit, loopVars, state);
      const inner = [c.iterVar, c.iterVar2, c.accuVar].filter((v) => v !== "");
      walk(c.loopCondition, inner, state);
      walk(c.loopStep, inner, state);
      walk(c.result, inner, state);
      return;
    }
    default:
      return;
  }
}

/** Parses and checks an expression; a problem says what is wrong and, for syntax, where. */
export function parseCel(source: string): CelParse {
  if (source.length > MAX_CEL_CHARS)
    return { problem: { message: `longer than ${MAX_CEL_CHARS} characters` } };
  const lib = celLibrary();
  let ast: Expr;
  try {
    ast = lib.cel.parse(source).expr;
  } catch (err) {
    return { problem: syntaxProblem(err) };
  }
  const state: Walk = { nodes: 0, problems: [], std: lib.std };
  walk(ast, [], state);
  if (state.nodes > MAX_CEL_NODES)
    return { problem: { message: `more than ${MAX_CEL_NODES} terms; split it into conditions` } };
  const first = state.problems[0];
  return first === undefined ? { ast } : { problem: { message: first } };
}

/** A problem as the configuration check reports it. */
export function describeCelProblem(problem: CelProblem): string {
  const where = problem.line !== undefined ? ` at line ${problem.line}, column ${problem.column}` : "";
  return `invalid CEL expression${where}: ${problem.message}`;
}
