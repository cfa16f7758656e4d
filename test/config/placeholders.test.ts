/**
 * `${NAME}` placeholders stand for any scalar: a value read from the environment takes the type of its
 * field (a port is a number, a flag a boolean, a secret stays a string), and one that does not parse is
 * reported by its path, naming the variable and never echoing its value.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { MAX_SECRET_FILE_BYTES } from "../../src/config/placeholders.js";
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

describe("placeholders read from files", () => {
  let dir: string;
  let credentials: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ocient-sso-placeholders-"));
    credentials = join(dir, "credentials");
    await mkdir(credentials);
    await writeFile(join(dir, "secret"), "s3cr3t with inner  spaces\n\n");
    await writeFile(join(dir, "crlf"), "from-windows\r\n");
    await writeFile(join(dir, "port"), "8443\n");
    await writeFile(join(dir, "not-a-port"), "hunter2-in-the-port-file\n");
    await writeFile(join(dir, "large"), "x".repeat(MAX_SECRET_FILE_BYTES + 1));
    await writeFile(join(credentials, "redis-password"), "from-systemd");
    // Beside the credentials directory, not in it: a credential's name must not reach it.
    await writeFile(join(dir, "outside"), "not-a-credential");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const withSecret = (secret: string, port?: string) => ({
    ...minimalConfig,
    ...(port && { server: { port } }),
    integrations: [
      {
        ...minimalConfig.integrations[0],
        access_tokens: { introspection: { client_id: "ocient-sso", client_secret: secret } },
      },
    ],
  });
  const secretOf = (config: ReturnType<typeof parseConfig>) =>
    config.integrations[0]?.access_tokens?.introspection?.client_secret;

  it("take a file's text without its one final line break, and a systemd credential, with their field's type", () => {
    const env = { CREDENTIALS_DIRECTORY: credentials };
    expect(secretOf(parseConfig(withSecret(`\${file:${join(dir, "secret")}}`), "t.yaml", env))).toBe(
      "s3cr3t with inner  spaces\n",
    );
    expect(secretOf(parseConfig(withSecret(`\${file:${join(dir, "crlf")}}`), "t.yaml", env))).toBe(
      "from-windows",
    );
    const both = parseConfig(
      withSecret("${credential:redis-password}", `\${file:${join(dir, "port")}}`),
      "t.yaml",
      env,
    );
    expect(secretOf(both)).toBe("from-systemd");
    expect(both.server.port).toBe(8443);
  });

  it("report a file that cannot be read or is too large by path and file, never its contents", () => {
    const missing = join(dir, "missing");
    expect(problemsOf(withSecret(`\${file:${missing}}`), {})).toEqual([
      `integrations[0].access_tokens.introspection.client_secret: file ${missing} cannot be read (ENOENT)`,
    ]);
    expect(problemsOf(withSecret(`\${file:${dir}}`), {})).toEqual([
      `integrations[0].access_tokens.introspection.client_secret: file ${dir} cannot be read (EISDIR)`,
    ]);
    const large = join(dir, "large");
    expect(problemsOf(withSecret(`\${file:${large}}`), {})).toEqual([
      `integrations[0].access_tokens.introspection.client_secret: file ${large} is larger than ${MAX_SECRET_FILE_BYTES} bytes`,
    ]);
    const notAPort = join(dir, "not-a-port");
    const problems = problemsOf(withSecret("x", `\${file:${notAPort}}`), {});
    expect(problems).toEqual([`server.port: file ${notAPort} must give a decimal number`]);
    expect(problems.join("\n")).not.toContain("hunter2");
  });

  it("refuse a credential without systemd's directory, or named outside it", () => {
    expect(problemsOf(withSecret("${credential:redis-password}"), {})).toEqual([
      "integrations[0].access_tokens.introspection.client_secret: credential redis-password: CREDENTIALS_DIRECTORY is not set (systemd's LoadCredential= sets it)",
    ]);
    const env = { CREDENTIALS_DIRECTORY: credentials };
    for (const name of ["../outside", "..", "a/b"]) {
      const problems = problemsOf(withSecret(`\${credential:${name}}`), env);
      expect(problems, name).toEqual([
        `integrations[0].access_tokens.introspection.client_secret: credential ${name}: a credential's name is a file name (letters, digits, '.', '_', '-')`,
      ]);
    }
    expect(problemsOf(withSecret("${credential:missing}"), env)).toEqual([
      `integrations[0].access_tokens.introspection.client_secret: credential missing cannot be read (ENOENT)`,
    ]);
  });
});
/* biome-ignore-end lint/suspicious/noTemplateCurlyInString: see above */
