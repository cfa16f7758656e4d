import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile, parseConfig } from "../../src/config/load.js";
import { minimalConfig, problemsOf } from "../support/config-problems.js";

const valid = {
  ...minimalConfig,
  databases: { ...minimalConfig.databases, retail_analytics: { groups: ["analysts"] } },
};

describe("configuration", () => {
  it("fills every default and keeps what was given", () => {
    const config = parseConfig(valid);
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 8080, max_body_bytes: 16384, workers: 1 });
    expect(config.token).toMatchObject({
      ttl_seconds: 3600,
      algorithm: "ES256",
      bind_to_subject_expiry: true,
    });
    expect(config.integrations[0]).toMatchObject({
      algorithms: ["RS256", "ES256"],
      user_claim: "sub",
      clock_skew_seconds: 60,
      http_timeout_ms: 3000,
    });
    expect(config.databases.retail_analytics).toEqual({ users: [], groups: ["analysts"] });
  });

  it.each([
    [
      "empty audiences",
      { integrations: [{ ...valid.integrations[0], audiences: [] }] },
      "integrations[0].audiences: must be a non-empty list",
    ],
    [
      "HMAC in the allow-list",
      { integrations: [{ ...valid.integrations[0], algorithms: ["HS256"] }] },
      "integrations[0].algorithms[0]",
    ],
    [
      "alg none",
      { integrations: [{ ...valid.integrations[0], algorithms: ["none"] }] },
      "integrations[0].algorithms[0]",
    ],
    ["issuer not a URL", { token: { issuer: "sso" } }, "token.issuer: must be an http(s) URL"],
    ["unknown key", { token: { ...valid.token, lifetime: 5 } }, "token"],
    [
      "unknown integration",
      { databases: { system: { integration: "nope" } } },
      'databases.system.integration: no integration is named "nope"',
    ],
    [
      "no integration to inherit",
      { databases: { sales: { users: ["a"] } } },
      "databases.sales.integration: required",
    ],
    [
      "a provider over plain http off this machine",
      { integrations: [{ ...valid.integrations[0], issuer: "http://idp.example.com" }] },
      "integrations[0].issuer: must be an https URL (plain http only to localhost or 127.0.0.0/8)",
    ],
    [
      "negative skew",
      { integrations: [{ ...valid.integrations[0], clock_skew_seconds: -1 }] },
      "integrations[0].clock_skew_seconds: must not be negative",
    ],
    [
      "two integrations, one issuer",
      { integrations: [valid.integrations[0], { ...valid.integrations[0], name: "other" }] },
      "integrations[1].issuer: another integration already trusts this issuer",
    ],
  ])("refuses %s, naming the path", (_name, change, expected) => {
    const problems = problemsOf({ ...valid, ...change });
    expect(problems.some((p) => p.startsWith(expected))).toBe(true);
  });

  it("lists every problem at once", () => {
    const problems = problemsOf({
      token: {},
      integrations: [{ name: "bad name!", audiences: [] }],
      databases: {},
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^token\.issuer: /),
        expect.stringMatching(/^integrations\[0\]\.name: /),
        expect.stringMatching(/^integrations\[0\]\.issuer: /),
        expect.stringMatching(/^integrations\[0\]\.audiences: must be a non-empty list/),
      ]),
    );
  });

  it("takes secrets from the environment and names a missing one", () => {
    const withSecret = {
      ...valid,
      integrations: [
        {
          ...valid.integrations[0],
          // biome-ignore lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's placeholder, written literally
          access_tokens: { introspection: { client_id: "svc", client_secret: "${CORP_SECRET}" } },
        },
      ],
    };
    const config = parseConfig(withSecret, "x", { CORP_SECRET: "s3cret" });
    expect(config.integrations[0]?.access_tokens?.introspection?.client_secret).toBe("s3cret");
    expect(problemsOf(withSecret)).toContain(
      "integrations[0].access_tokens.introspection.client_secret: environment variable CORP_SECRET is not set",
    );
  });

  it("reads YAML and JSON files and refuses duplicate keys", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ocient-sso-config-"));
    const yamlFile = join(dir, "config.yaml");
    await writeFile(
      yamlFile,
      "token:\n  issuer: https://sso.example.com\nintegrations:\n  - name: corp\n    issuer: https://idp.example.com\n    audiences: [a]\ndatabases:\n  system: { integration: corp }\n",
    );
    expect((await loadConfigFile(yamlFile, {})).integrations[0]?.name).toBe("corp");
    const jsonFile = join(dir, "config.json");
    await writeFile(jsonFile, JSON.stringify(valid));
    expect((await loadConfigFile(jsonFile, {})).databases.retail_analytics?.groups).toEqual(["analysts"]);
    const duplicate = join(dir, "dup.yaml");
    await writeFile(duplicate, "token:\n  issuer: https://a.example\ntoken:\n  issuer: https://b.example\n");
    await expect(loadConfigFile(duplicate, {})).rejects.toThrow(/not valid YAML or JSON/);
    await expect(loadConfigFile(join(dir, "missing.yaml"), {})).rejects.toThrow(
      /cannot read the file: ENOENT/,
    );
  });
});
