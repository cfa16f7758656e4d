/** The configuration check of workload bindings: every problem by its path, with the reason. */
import { beforeAll, describe, expect, it } from "vitest";
import { loadCel } from "../../src/config/cel-source.js";
import { ConfigError, parseConfig } from "../../src/config/load.js";

// The configuration checks below are synchronous (parseConfig): the CEL library is loaded first, as loadConfigFile does.
beforeAll(loadCel);

const GITHUB = "https://token.actions.githubusercontent.com";

function configWith(integration: Record<string, unknown>, databases: Record<string, unknown> = {}) {
  return {
    token: { issuer: "http://127.0.0.1:8080", keys_file: "/nonexistent/keys.json" },
    integrations: [
      { name: "ci", issuer: GITHUB, audiences: ["https://github.com/octo-org"], ...integration },
    ],
    databases: { system: { integration: "ci" }, retail: { users: ["deployer"] }, ...databases },
  };
}

function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

const pinned = {
  name: "main",
  when: { repository_owner: "octo-org", ref: "refs/heads/main" },
  user: "deployer",
};

describe("bindings in the configuration", () => {
  it("accepts a pinned GitHub binding", () => {
    expect(problemsOf(configWith({ bindings: [pinned] }))).toEqual([]);
  });

  const refused: [string, Record<string, unknown>, string][] = [
    [
      "a bad CEL condition, by path and position",
      { bindings: [{ ...pinned, cel: "claims.ref == 'x' &&\n  claims.a == )" }] },
      "integrations[0].bindings[0].cel: invalid CEL expression at line 2, column 12: syntax error:",
    ],
    [
      "a bad user_cel, by path",
      { bindings: [{ name: "m", when: pinned.when, user_cel: "lower(claims.sub)" }] },
      'integrations[0].bindings[0].user_cel: invalid CEL expression: unknown function "lower"',
    ],
    [
      "GitHub without bindings",
      {},
      "integrations[0].bindings: required: GitHub Actions signs every customer's tokens with this issuer: pin the owner",
    ],
    [
      "a GitHub binding pinned by branch only",
      { bindings: [{ name: "m", when: { ref: "refs/heads/main" }, user: "deployer" }] },
      "integrations[0].bindings[0].when: GitHub Actions signs every customer's tokens",
    ],
    [
      "a GitHub binding pinned by CEL only",
      { bindings: [{ name: "m", cel: "claims.repository_owner == 'octo-org'", user: "deployer" }] },
      "CEL alone does not count",
    ],
    [
      "a GitHub binding whose owner is negated",
      { bindings: [{ name: "m", when: { repository_owner: { not: "evil" } }, user: "deployer" }] },
      "integrations[0].bindings[0].when: GitHub Actions",
    ],
    [
      "a glob whose wildcard reaches into the owner",
      { bindings: [{ name: "m", when: { sub: { glob: "repo:octo-*" } }, user: "deployer" }] },
      "integrations[0].bindings[0].when: GitHub Actions",
    ],
    [
      "two ways of naming the user",
      { bindings: [{ ...pinned, user_claim: "sub" }] },
      "integrations[0].bindings[0]: choose at most one of user, user_claim, user_template and user_cel",
    ],
    [
      "a database the integration does not serve",
      { bindings: [{ ...pinned, databases: ["nowhere"] }] },
      'integrations[0].bindings[0].databases[0]: no database "nowhere" is served by integration "ci"',
    ],
    [
      "duplicate binding names",
      { bindings: [pinned, pinned] },
      'integrations[0].bindings[1].name: duplicate name "main"',
    ],
    [
      "a claim path that is no JSON pointer",
      { bindings: [{ ...pinned, when: { ...pinned.when, "/a~2": "x" } }] },
      "integrations[0].bindings[0].when./a~2: must be a claim name or a JSON pointer",
    ],
    [
      "two key sources",
      { bindings: [pinned], jwks_uri: "http://127.0.0.1:1/jwks", jwks_file: "/tmp/jwks.json" },
      "integrations[0].jwks_uri: choose at most one of jwks_uri, jwks and jwks_file",
    ],
  ];
  it.each(refused)("refuses %s", (_name, integration, problem) => {
    expect(problemsOf(configWith(integration)).join("\n")).toContain(problem);
  });

  it("accepts a GitHub glob pinned before its first wildcard, and GitLab pinned by namespace_path", () => {
    const glob = {
      name: "g",
      when: { sub: { glob: "repo:octo-org/*:ref:refs/heads/main" } },
      user: "deployer",
    };
    expect(problemsOf(configWith({ bindings: [glob] }))).toEqual([]);
    const gitlab = configWith({
      issuer: "https://gitlab.com",
      bindings: [
        { name: "p", when: { namespace_path: "my-group", ref_protected: "true" }, user: "deployer" },
      ],
    });
    expect(problemsOf(gitlab)).toEqual([]);
  });

  describe("Google, whose issuer signs every account's and every service account's ID tokens", () => {
    const google = (when: Record<string, unknown>) =>
      configWith({
        issuer: "https://accounts.google.com",
        audiences: ["https://sso.example.com"],
        id_tokens: { check_azp: false },
        bindings: [{ name: "g", when, user: "deployer" }],
      });
    it.each([
      ["an exact email", { email: "loader@acme-data.iam.gserviceaccount.com" }],
      ["an exact unique id", { sub: "104845391286117340771" }],
      ["a Workspace domain", { hd: "acme.com", email_verified: true }],
      ["the service accounts of one project", { email: { glob: "*@acme-data.iam.gserviceaccount.com" } }],
    ])("accepts a binding pinned by %s", (_name, when) => {
      expect(problemsOf(google(when))).toEqual([]);
    });
    it.each([
      ["a verified address only", { email_verified: true }],
      ["the service accounts of any project", { email: { glob: "*@*.iam.gserviceaccount.com" } }],
      ["every address of a mail domain", { email: { glob: "*@gmail.com" } }],
      ["a negated domain", { hd: { not: "evil.example" } }],
    ])("refuses a binding pinned by %s", (_name, when) => {
      expect(problemsOf(google(when)).join("\n")).toContain(
        "integrations[0].bindings[0].when: Google signs every customer's tokens with this issuer: pin the owner with an exact condition on one of sub, email, azp, hd (or a glob on email that takes the service accounts of one project",
      );
    });
  });

  describe.each([
    {
      issuer: "https://agent.buildkite.com",
      platform: "Buildkite",
      owner: { organization_slug: "acme-inc" },
      glob: "organization:acme-inc:pipeline:deploy:ref:refs/heads/main:*",
      loose: "organization:*:pipeline:deploy:*",
      other: { pipeline_slug: "deploy" },
    },
    {
      issuer: "https://app.terraform.io",
      platform: "HCP Terraform",
      owner: { terraform_organization_name: "acme" },
      glob: "organization:acme:project:*:workspace:prod-*:run_phase:apply",
      loose: "organization:*:workspace:prod:*",
      other: { terraform_workspace_name: "prod" },
    },
  ])(
    "$platform, whose issuer signs every customer's tokens",
    ({ issuer, platform, owner, glob, loose, other }) => {
      const shared = (when: Record<string, unknown>) =>
        configWith({ issuer, bindings: [{ name: "s", when, user: "deployer" }] });
      it("accepts a binding pinned by the organization, or by a sub glob that names it", () => {
        expect(problemsOf(shared({ ...owner, ...other }))).toEqual([]);
        expect(problemsOf(shared({ sub: { glob } }))).toEqual([]);
      });
      it("refuses one pinned by a pipeline or workspace only, or by a glob that leaves the organization open", () => {
        for (const when of [other, { sub: { glob: loose } }]) {
          expect(problemsOf(shared(when)).join("\n")).toContain(
            `integrations[0].bindings[0].when: ${platform} signs every customer's tokens with this issuer`,
          );
        }
      });
    },
  );

  it("accepts integration-wide conditions as the pin", () => {
    const input = configWith({
      conditions: { repository_owner_id: "123456" },
      bindings: [{ name: "m", when: { ref: "refs/heads/main" }, user: "deployer" }],
    });
    expect(problemsOf(input)).toEqual([]);
  });
});
