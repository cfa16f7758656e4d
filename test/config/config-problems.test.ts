/**
 * Every problem of a configuration in one round (shape and references alike), a YAML mistake named where
 * it is, and the service's own issuer held to the rule of provider issuers.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfigFile, parseConfig } from "../../src/config/load.js";
import { minimalConfig, problemsOf } from "../support/config-problems.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-problems-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function yamlProblem(text: string): Promise<string> {
  const file = join(dir, "config.yaml");
  await writeFile(file, text);
  const err = await loadConfigFile(file, {}).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  const problems = (err as ConfigError).problems;
  expect(problems).toHaveLength(1);
  return problems[0] as string;
}

describe("one round of problems", () => {
  it("reports shape problems and reference problems together", () => {
    const problems = problemsOf({
      ...minimalConfig,
      server: { port: "eighty" },
      integrations: [
        ...minimalConfig.integrations,
        { ...minimalConfig.integrations[0], issuer: "https://other.example.com" },
      ],
      databases: { system: { integration: "corp" }, sales: { integration: "crop" } },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server\.port: /),
        'integrations[1].name: duplicate name "corp"',
        'databases.sales.integration: no integration is named "crop"',
      ]),
    );
  });

  it("checks the references of well-formed entries while another entry is malformed", () => {
    const problems = problemsOf({
      ...minimalConfig,
      integrations: [...minimalConfig.integrations, { name: "broken", audiences: [] }],
      databases: {
        system: { integration: "corp" },
        sales: { integration: "nobody" },
        hr: { integration: "broken" },
      },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^integrations\[1\]\.issuer: /),
        expect.stringMatching(/^integrations\[1\]\.audiences: /),
        'databases.sales.integration: no integration is named "nobody"',
      ]),
    );
    // "broken" exists, though malformed: its own problems are reported, not a dangling reference.
    expect(problems.filter((p) => p.startsWith("databases.hr"))).toEqual([]);
  });
});

describe("a YAML syntax error", () => {
  it.each([
    [
      "an unclosed quote",
      'token:\n  issuer: https://a\nintegrations:\n  - name: corp\n    issuer: "https://b\n    audiences: [a]\ndatabases:\n  system: {}\n',
      5,
    ],
    [
      "an unclosed flow sequence",
      "token:\n  issuer: https://a\n  audience: [a, b\nintegrations:\n  - x\n",
      3,
    ],
    ["a bad indentation", "a:\n  - b\n c: 1\n", 3],
    ["a nested compact mapping", "a: b: c\n", 1],
  ])("%s: a whole sentence naming the line of the mistake", async (_name, text, line) => {
    const problem = await yamlProblem(text);
    expect(problem).toMatch(new RegExp(`^not valid YAML or JSON: line ${line}, column \\d+: \\S`));
    expect(problem).not.toMatch(/:\s*$/);
    expect(problem).not.toContain("\n");
  });

  it("quotes nothing of the file (a line may hold a secret)", async () => {
    const problem = await yamlProblem('token:\n  issuer: "https://a\n  secret: hunter2-very-secret\n');
    expect(problem).not.toContain("hunter2");
  });
});

describe("token.issuer", () => {
  it.each([
    ["plain http off this machine", "http://sso.example.com", false],
    ["plain http to a private address", "http://10.0.0.5:8080", false],
    ["https", "https://sso.example.com", true],
    ["plain http on loopback (development)", "http://127.0.0.1:8080", true],
    ["plain http to localhost", "http://localhost:8080", true],
  ])("%s: %s", (_name, issuer, accepted) => {
    const input = { ...minimalConfig, token: { issuer } };
    if (accepted) expect(parseConfig(input).token.issuer).toBe(issuer);
    else
      expect(problemsOf(input)).toEqual([
        "token.issuer: must be an https URL (plain http only to localhost or 127.0.0.0/8)",
      ]);
  });
});
