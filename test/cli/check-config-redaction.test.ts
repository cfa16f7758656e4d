/**
 * check-config prints the effective configuration: every credential a Redis URL can carry is hidden,
 * whatever form it takes (user information with `@` in the password, ioredis's query options, rediss://).
 * Table-driven on the redaction itself, then through the real CLI process.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactUrl } from "../../src/config/redact-url.js";
import { freePort } from "../support/ports.js";
import { runCliProcess } from "../support/spawn-cli.js";

const PASS = "Pa55wd@w0rdX9q@zqk7Lm:c0lon5Z";
const USER = "ops-user-7f3a";

describe("redactUrl", () => {
  it.each([
    [
      "user and password",
      `redis://${USER}:${encodeURIComponent(PASS)}@10.0.0.5:6379/0`,
      "redis://[redacted]:[redacted]@10.0.0.5:6379/0",
    ],
    ["password with raw @", `redis://:${PASS}@10.0.0.5:6379/0`, "redis://:[redacted]@10.0.0.5:6379/0"],
    [
      "?password=",
      `redis://10.0.0.5:6379?password=${PASS}&db=2`,
      "redis://10.0.0.5:6379?password=[redacted]&db=2",
    ],
    [
      "username query, rediss",
      `rediss://redis.example.com:6380/1?username=${USER}&tls=RedisCloudFixed`,
      "rediss://redis.example.com:6380/1?username=[redacted]&tls=RedisCloudFixed",
    ],
    ["sentinel password", `redis://h/0?sentinelPassword=${PASS}`, "redis://h/0?sentinelPassword=[redacted]"],
    ["user only", `redis://${USER}@h:6379`, "redis://[redacted]@h:6379"],
    ["no credential", "redis://10.0.0.5:6379/0", "redis://10.0.0.5:6379/0"],
    ["not a URL", "RS256", "RS256"],
    ["a user name with @", "alice@example.com", "alice@example.com"],
    ["a URN", "urn:ocient:sso", "urn:ocient:sso"],
    ["unparseable with @", `redis://${PASS} x`, "[redacted]"],
  ])("%s", (_name, input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

describe("check-config with state.redis", () => {
  let dir: string;
  let closedPort: number;
  /** A configuration file whose Redis URL comes from SSO_TEST_REDIS_URL. */
  async function configFile(name: string): Promise<string> {
    const file = join(dir, `${name.replace(/\W+/g, "-")}.yaml`);
    await writeFile(
      file,
      `
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(join(dir, "keys.json"))} }
integrations:
  - { name: down, issuer: "http://127.0.0.1:${closedPort}", audiences: [x] }
databases:
  system: { integration: down }
state:
  redis: { url: "\${SSO_TEST_REDIS_URL}" }
`,
    );
    return file;
  }
  beforeAll(async () => {
    [dir, closedPort] = await Promise.all([mkdtemp(join(tmpdir(), "ocient-sso-redact-")), freePort()]);
    // With state.redis, serve never creates the key file: it is made once beforehand.
    const generated = await runCliProcess(["keys", "generate", "--config", await configFile("keys")], {
      env: { SSO_TEST_REDIS_URL: "redis://127.0.0.1:6379/0" },
    });
    expect(generated.code, generated.stderr).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["user:password@, @ in the password", `redis://${USER}:${PASS}@127.0.0.1:6379/0`],
    [
      "?password= and ?username=",
      `redis://127.0.0.1:6379/0?username=${USER}&password=${encodeURIComponent(PASS)}`,
    ],
    ["rediss:// with both", `rediss://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:6380/0`],
  ])(
    "prints no credential of %s",
    async (name, url) => {
      const r = await runCliProcess(["check-config", await configFile(name)], {
        env: { SSO_TEST_REDIS_URL: url },
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/url: (redis|rediss):\/\/.*\[redacted\]/);
      for (const part of [USER, PASS, encodeURIComponent(PASS), ...PASS.split(/[@:]/)]) {
        expect(r.stdout).not.toContain(part);
      }
    },
    30_000,
  );
});
