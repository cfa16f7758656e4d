/**
 * `${NAME}` placeholders stand for any scalar: a value read from the environment takes the type of its
 * field (a port is a number, a flag a boolean, a secret stays a string), and one that does not parse is
 * reported by its path, naming the variable and never echoing its value.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { minimalConfig, problemsOf } from "../support/config-problems.js";

/* biome-ignore-start lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's placeholder, written literally */
describe("placeholders", () => {
  it("read numbers and booleans with their field's type", () => {
    const config = parseConfig(
      {
        ...minimalConfig,
        server: {
          port: "${SSO_PORT}",
          trust_proxy: "${SSO_TRUST_PROXY}",
          workers: "${SSO_WORKERS}",
          rate_limit: { requests_per_second: "${SSO_RPS}", burst: "${SSO_BURST}" },
        },
        token: { ...minimalConfig.token, ttl_seconds: "${SSO_TTL}" },
      },
      "test.yaml",
      {
        SSO_PORT: "8443",
        SSO_TRUST_PROXY: "true",
        SSO_WORKERS: "2",
        SSO_RPS: "0.5",
        SSO_BURST: "10",
        SSO_TTL: "600",
      },
    );
    expect(config.server).toMatchObject({
      port: 8443,
      trust_proxy: true,
      workers: 2,
      rate_limit: { requests_per_second: 0.5, burst: 10 },
    });
    expect(config.token.ttl_seconds).toBe(600);
  });

  it("keep a string field a string, however numeric its value", () => {
    const config = parseConfig(
      {
        ...minimalConfig,
        integrations: [
          {
            ...minimalConfig.integrations[0],
            access_tokens: { introspection: { client_id: "${ID}", client_secret: "${SECRET}" } },
            required_claims: { tenant: "${TENANT}" },
          },
        ],
      },
      "test.yaml",
      { ID: "12345", SECRET: "007", TENANT: "42" },
    );
    const integration = config.integrations[0];
    expect(integration?.access_tokens?.introspection).toMatchObject({
      client_id: "12345",
      client_secret: "007",
    });
    expect(integration?.required_claims).toEqual({ tenant: "42" });
  });

  it.each([
    ["a word for a port", { server: { port: "${SSO_PORT}" } }, { SSO_PORT: "eighty" }, "server.port"],
    ["an empty port", { server: { port: "${SSO_PORT}" } }, { SSO_PORT: "" }, "server.port"],
    ["hex for a port", { server: { port: "${SSO_PORT}" } }, { SSO_PORT: "0x1f90" }, "server.port"],
    ["yes for a flag", { server: { trust_proxy: "${FLAG}" } }, { FLAG: "yes" }, "server.trust_proxy"],
  ])("report %s by path and variable, without its value", (_name, change, env, path) => {
    const problems = problemsOf({ ...minimalConfig, ...change }, env);
    const name = Object.keys(env)[0] as string;
    const problem = problems.find((p) => p.startsWith(`${path}: `));
    expect(problem, problems.join("\n")).toMatch(
      new RegExp(`environment variable ${name} .*(number|true or false)`),
    );
    const value = Object.values(env)[0] as string;
    if (value) expect(problem).not.toContain(value);
  });

  it("check a number read from the environment by the field's own rules", () => {
    expect(problemsOf({ ...minimalConfig, server: { port: "${SSO_PORT}" } }, { SSO_PORT: "70000" })).toEqual([
      expect.stringMatching(/^server\.port: /),
    ]);
  });

  it("report an unset variable in a number field once, by path", () => {
    expect(problemsOf({ ...minimalConfig, server: { port: "${SSO_PORT}" } }, {})).toEqual([
      "server.port: environment variable SSO_PORT is not set",
    ]);
  });
});
/* biome-ignore-end lint/suspicious/noTemplateCurlyInString: see above */
