/** Claim conditions: typed values, lists, globs, nested paths, negation; table-driven. */
import { describe, expect, it } from "vitest";
import { compileConditions } from "../../src/bindings/condition.js";
import { compileGlob } from "../../src/bindings/glob.js";
import type { ConditionInput } from "../../src/config/bindings-schema.js";

const claims = {
  sub: "repo:octo-org/octo-repo:ref:refs/heads/main",
  repository_owner: "octo-org",
  repository_id: "456789",
  run_number: 42,
  ref_protected: "true",
  email_verified: true,
  groups: ["analysts", "ops"],
  "kubernetes.io": { namespace: "prod", serviceaccount: { name: "api-sa" } },
  "a/b": { "c~d": "escaped" },
};

const cases: [string, string, ConditionInput, boolean][] = [
  ["exact string", "repository_owner", "octo-org", true],
  ["exact string, other value", "repository_owner", "evil-org", false],
  ["any of", "repository_owner", ["a", "octo-org"], true],
  ["any of, none", "repository_owner", ["a", "b"], false],
  ["number typed", "run_number", 42, true],
  ["a number is not its string", "run_number", "42", false],
  ["a string of digits is not a number", "repository_id", 456789, false],
  ["boolean typed", "email_verified", true, true],
  ['the string "true" is not the boolean', "ref_protected", true, false],
  ['the string "true" matches the string', "ref_protected", "true", true],
  ["list claim contains", "groups", "ops", true],
  ["list claim lacks", "groups", "admins", false],
  ["all_of holds", "groups", { all_of: ["ops", "analysts"] }, true],
  ["all_of misses one", "groups", { all_of: ["ops", "admins"] }, false],
  ["nested by pointer", "/kubernetes.io/namespace", "prod", true],
  ["nested deeper", "/kubernetes.io/serviceaccount/name", "api-sa", true],
  ["nested, other namespace", "/kubernetes.io/namespace", "dev", false],
  ["pointer escapes ~1 and ~0", "/a~1b/c~0d", "escaped", true],
  ["a dotted name is a top-level claim", "kubernetes.io", "prod", false],
  ["missing claim", "environment", "prod", false],
  ["glob *", "sub", { glob: "repo:octo-org/*:ref:refs/heads/main" }, true],
  ["glob * stops at :", "sub", { glob: "repo:octo-org/*" }, false],
  ["glob ** crosses :", "sub", { glob: "repo:octo-org/**" }, true],
  ["glob list any", "sub", { glob: ["repo:x/*", "repo:octo-org/octo-repo:ref:refs/heads/ma?n"] }, true],
  ["glob on a number never holds", "run_number", { glob: "**" }, false],
  ["not", "repository_owner", { not: "evil-org" }, true],
  ["not, equal", "repository_owner", { not: "octo-org" }, false],
  ["not of a missing claim holds", "environment", { not: "prod" }, true],
  ["not any of", "groups", { not: ["admins"] }, true],
  ["present", "/kubernetes.io/namespace", { present: true }, true],
  ["absent", "environment", { present: false }, true],
  ["present but missing", "environment", { present: true }, false],
];

describe("conditions", () => {
  it.each(cases)("%s", (_name, claim, condition, holds) => {
    const [compiled] = compileConditions({ [claim]: condition });
    expect(compiled?.evaluate(claims).holds).toBe(holds);
  });

  it('explains a typed mismatch: the string "true" against the boolean true', () => {
    const [compiled] = compileConditions({ ref_protected: true });
    expect(compiled?.evaluate(claims)).toEqual({
      claim: "ref_protected",
      rule: "equals true",
      holds: false,
      seen: '"true"',
      note: 'the claim is the string "true", the condition wants the boolean true: values are typed',
    });
  });

  it("shortens a long claim value it shows", () => {
    const [compiled] = compileConditions({ sub: "x" });
    const seen = compiled?.evaluate({ sub: "a".repeat(5000) }).seen ?? "";
    expect(seen.length).toBeLessThan(200);
    expect(seen).toContain("(5002 characters)");
  });
});

describe("globs", () => {
  it("match in time linear in the input whatever the stars (RE2)", () => {
    // A backtracking RegExp of this shape takes minutes on such input; RE2 answers at once.
    const glob = compileGlob("**a**a**a**a**a**a**a**b");
    expect(glob.test("a".repeat(10_000))).toBe(false);
  });

  it("treat regular-expression characters literally", () => {
    expect(compileGlob("a.b+c(d)").test("a.b+c(d)")).toBe(true);
    expect(compileGlob("a.b").test("axb")).toBe(false);
  });
});
