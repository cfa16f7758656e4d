/**
 * CEL through @bufbuild/cel: checked when the configuration loads (syntax with its position, unknown
 * functions, bounded cost), evaluated without ever throwing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { compileCel } from "../../src/bindings/cel.js";
import { loadCel, MAX_CEL_CHARS, parseCel } from "../../src/config/cel-source.js";

// The configuration checks below are synchronous (parseConfig): the CEL library is loaded first, as loadConfigFile does.
beforeAll(loadCel);

const k8s = {
  sub: "system:serviceaccount:prod:api-sa",
  "kubernetes.io": { namespace: "prod", serviceaccount: { name: "api-sa" } },
  groups: ["team-a", "ops"],
  run_number: 42,
  ref_protected: "true",
};

describe("CEL evaluation", () => {
  const cases: [string, string, unknown][] = [
    ["nested map access", "claims['kubernetes.io'].namespace == 'prod'", true],
    ["has() on a missing claim", "has(claims.environment)", false],
    ["exists over a list", "claims.groups.exists(g, g.startsWith('team-'))", true],
    ["a JSON number equals an int literal", "claims.run_number == 42", true],
    ["typed: the string 'true' is not true", "claims.ref_protected == true", false],
    ["matches with a literal pattern", "claims.sub.matches('^system:serviceaccount:prod:[a-z-]+$')", true],
    ["string result for user_cel", "'k8s-' + claims['kubernetes.io'].serviceaccount.name", "k8s-api-sa"],
  ];
  it.each(cases)("%s", (_name, source, expected) => {
    expect(compileCel(source).evaluate(k8s)).toEqual({ value: expected });
  });

  it.each([
    ["a missing claim", "claims.environment == 'prod'"],
    ["a wrong type", "claims.run_number + 1 == 43"],
    ["an index past the end", "claims.groups[5] == 'x'"],
  ])("%s is an error, not an exception", (_name, source) => {
    const outcome = compileCel(source).evaluate(k8s);
    expect(outcome.error).toEqual(expect.any(String));
    expect(outcome.value).toBeUndefined();
  });
});

describe("CEL checks at load", () => {
  it("reports a syntax error with its line and column", () => {
    // The parser (PEG) stops where the longest valid expression ends: at the second "==".
    expect(parseCel("claims.a == 'x' &&\n  claims.b == )").problem).toEqual({
      message: "syntax error: found = but expecting end of input",
      line: 2,
      column: 12,
    });
  });

  const refused: [string, string, string][] = [
    ["an unknown function", "frobnicate(claims.sub)", 'unknown function "frobnicate"'],
    ["a nested macro", "claims.groups.exists(g, claims.groups.all(h, h == g))", "may"],
    ["a macro body using claims", "claims.groups.exists(g, claims.sub.contains(g))", 'not "claims"'],
    ["matches with a pattern from the token", "claims.sub.matches(claims.pattern)", "literal pattern"],
    ["matches with an invalid pattern", "claims.sub.matches('(')", "not a valid RE2"],
    ["too long", `claims.sub == '${"a".repeat(MAX_CEL_CHARS)}'`, "longer than"],
    ["too many terms", Array.from({ length: 200 }, (_, i) => `claims.a == ${i}`).join(" || "), "terms"],
  ];
  it.each(refused)("refuses %s", (_name, source, message) => {
    expect(parseCel(source).problem?.message).toContain(message);
  });

  it("keeps a long list scan linear: a macro body cannot walk the token again", () => {
    // The nested form of this (claims.x.exists(e, claims.x.exists(...))) took 24 s on a 5,000-element
    // claim when tried; it is refused at load, and the linear form evaluates fine.
    const x = Array.from({ length: 5000 }, (_, i) => i % 10);
    expect(parseCel("claims.x.exists(e, claims.x.exists(f, f == 11))").problem).toBeDefined();
    expect(compileCel("claims.x.exists(e, e == 11)").evaluate({ x })).toEqual({ value: false });
  });
});
