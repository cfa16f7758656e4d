/**
 * CEL through `@bufbuild/cel`: expressions were checked as the configuration loaded
 * (config/cel-source.ts); here they are planned once and evaluated over a token's claims. Evaluation
 * never throws: a missing claim or a wrong type is a CEL error, which refuses the token.
 */
import { type CelInput, CelScalar, celEnv, celMethod, isCelError, mapType, plan } from "@bufbuild/cel";
import { RE2JS } from "@bufbuild/re2";
import { CEL_CLAIMS, describeCelProblem, parseCel } from "../config/cel-source.js";

/** `matches` compiles its pattern on every call; patterns are literals of the configuration, so cache them. */
const patterns = new Map<string, RE2JS>();
const cachedMatches = celMethod(
  "matches",
  CelScalar.STRING,
  [CelScalar.STRING],
  CelScalar.BOOL,
  function (pattern: string) {
    let re = patterns.get(pattern);
    if (!re) {
      re = RE2JS.compile(pattern);
      patterns.set(pattern, re);
    }
    return re.test(this);
  },
);

const env = celEnv({
  variables: { [CEL_CLAIMS]: mapType(CelScalar.STRING, CelScalar.DYN) },
  funcs: [cachedMatches],
});

export type CelOutcome = { value: unknown; error?: undefined } | { value?: undefined; error: string };

export interface CompiledCel {
  source: string;
  evaluate(claims: Record<string, unknown>): CelOutcome;
}

export function compileCel(source: string): CompiledCel {
  const parsed = parseCel(source);
  // The configuration check refused any expression with a problem; this guards code that skipped it.
  if (parsed.problem) throw new TypeError(describeCelProblem(parsed.problem));
  const program = plan(env, parsed.ast);
  return {
    source,
    evaluate(claims) {
      try {
        // Claims come from JSON.parse: every value is a JSON value, which CelInput covers.
        const result = program({ [CEL_CLAIMS]: claims as Record<string, CelInput> });
        if (isCelError(result)) return { error: result.message };
        return { value: result };
      } catch (err) {
        // The library promises results, not exceptions; should one escape, it refuses the token all the same.
        return { error: err instanceof Error ? err.message : "evaluation failed" };
      }
    },
  };
}
