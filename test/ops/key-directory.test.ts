/**
 * A key file's directory that is missing (an unmounted volume) is never created by serve: it refuses,
 * naming the path, and check-config says so. With state.redis (several instances), no instance creates a
 * key file of its own: that is `keys generate`'s job, done once. A first start of a single instance in an
 * existing directory creates the file, saying so with its kid.
 */
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDev } from "../../src/dev/start-dev.js";
import { createLogger } from "../../src/server/logger.js";
import { startHarness } from "../support/harness.js";
import { type RedisServer, startRedis } from "../support/redis.js";
import { runCliProcess, startCli } from "../support/spawn-cli.js";

let dir: string;
let redis: RedisServer;

beforeAll(async () => {
  [dir, redis] = await Promise.all([mkdtemp(join(tmpdir(), "ocient-sso-keydir-")), startRedis()]);
}, 30_000);
afterAll(async () => {
  await redis?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function configFile(name: string, keysFile: string, state = ""): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `server: { host: 127.0.0.1, port: 0, log_level: info }
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(keysFile)} }
integrations:
  - { name: idp, issuer: "http://127.0.0.1:1", audiences: [ocient] }
databases:
  system: { integration: idp }
${state}`,
  );
  return file;
}

describe("a key file whose directory is missing", () => {
  it("serve refuses naming token.keys_file and the directory, and creates neither", async () => {
    const missing = join(dir, "unmounted");
    const keysFile = join(missing, "keys.json");
    const config = await configFile("unmounted", keysFile);
    const result = await runCliProcess(["serve", "--config", config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`token.keys_file: the directory ${missing} does not exist`);
    expect(result.stdout).not.toContain("listening");
    expect(await exists(missing)).toBe(false);
  }, 30_000);

  it("check-config reports it as an error and exits 1", async () => {
    const missing = join(dir, "unmounted-check");
    const config = await configFile("unmounted-check", join(missing, "keys.json"));
    const result = await runCliProcess(["check-config", config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`token.keys_file: the directory ${missing} does not exist`);
    expect(await exists(missing)).toBe(false);
  }, 30_000);
});

describe("a key file to be created", () => {
  it("check-config warns that the first start creates it, and exits 0", async () => {
    const keysFile = join(dir, "first-start.json");
    const config = await configFile("first-start-check", keysFile);
    const result = await runCliProcess(["check-config", config]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /warning: .*does not exist yet: serve creates it with a new key on first start/,
    );
    expect(await exists(keysFile)).toBe(false);
  }, 30_000);

  it("a first start in an existing directory creates it and logs the new kid", async () => {
    const keysFile = join(dir, "first-start.json");
    const config = await configFile("first-start", keysFile);
    const cli = startCli(["serve", "--config", config]);
    try {
      await cli.waitFor(/listening on/);
      const created = cli.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string; kid?: string; keys_file?: string })
        .find((l) => l.keys_file === keysFile && /created/.test(l.msg));
      expect(created?.level).toBe(40);
      expect(created?.kid).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      cli.child.kill("SIGTERM");
      expect((await cli.exited).code).toBe(0);
    }
  }, 30_000);

  it("npm start (development mode) creates its directory and key file with no setup", async () => {
    const keysFile = join(dir, "dev", "nested", "dev-keys.json");
    const env = await startDev({ port: 0, keysFile, logger: createLogger("silent") });
    try {
      expect(await exists(keysFile)).toBe(true);
    } finally {
      await env.close();
    }
  }, 30_000);
});

describe("a key file gone at a reload", () => {
  it("is not created again: the reload is refused and the running keys kept", async () => {
    const h = await startHarness();
    try {
      const kid = h.server.service.current.keys.signer.kid;
      await rm(h.config.token.keys_file);
      await expect(h.server.reload(h.config)).rejects.toThrow(
        `token.keys_file: ${h.config.token.keys_file} does not exist; a reload never creates one`,
      );
      expect(await exists(h.config.token.keys_file)).toBe(false);
      expect(h.server.service.current.keys.signer.kid).toBe(kid);
    } finally {
      await h.close();
    }
  }, 30_000);
});

describe("several instances sharing state.redis", () => {
  it("serve never creates the key file: it refuses and says to run keys generate once", async () => {
    const keysFile = join(dir, "shared.json");
    const config = await configFile("shared", keysFile, `state:\n  redis: { url: "${redis.url}" }\n`);
    const result = await runCliProcess(["serve", "--config", config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`token.keys_file: ${keysFile} does not exist`);
    expect(result.stderr).toContain("state.redis");
    expect(result.stderr).toContain("ocient-sso keys generate --config");
    expect(await exists(keysFile)).toBe(false);

    const check = await runCliProcess(["check-config", config]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`token.keys_file: ${keysFile} does not exist`);

    expect((await runCliProcess(["keys", "generate", "--config", config])).code).toBe(0);
    const cli = startCli(["serve", "--config", config]);
    try {
      await cli.waitFor(/listening on/);
    } finally {
      cli.child.kill("SIGTERM");
      expect((await cli.exited).code).toBe(0);
    }
  }, 60_000);
});
