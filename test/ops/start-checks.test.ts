/**
 * What serve would fail on, check-config finds first: TLS files it cannot read, a Redis that does not
 * answer or refuses the password. Serve names the setting of a missing TLS file, and fails before it
 * creates a key file.
 */
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStoredKey, writeKeyFile } from "../../src/keys/key-file.js";
import { freePort } from "../support/ports.js";
import { type RedisServer, startRedis } from "../support/redis.js";
import { runCliProcess } from "../support/spawn-cli.js";

let dir: string;
let redis: RedisServer;
let locked: RedisServer;
const PASSWORD = "correct-horse-battery";

beforeAll(async () => {
  [dir, redis, locked] = await Promise.all([
    mkdtemp(join(tmpdir(), "ocient-sso-start-checks-")),
    startRedis(),
    startRedis(),
  ]);
  const admin = new Redis(locked.url);
  await admin.config("SET", "requirepass", PASSWORD);
  admin.disconnect();
}, 30_000);
afterAll(async () => {
  await Promise.all([redis?.close(), locked?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function configFile(
  name: string,
  extra: { server?: string; state?: string } = {},
): Promise<{ file: string; keysFile: string }> {
  const file = join(dir, `${name}.yaml`);
  const keysFile = join(dir, `${name}-keys.json`);
  // Instances sharing Redis never create it: written first, as `keys generate` would.
  if (extra.state) await writeKeyFile(keysFile, { keys: [await generateStoredKey("ES256")] });
  await writeFile(
    file,
    `server: { host: 127.0.0.1, port: 0, log_level: info${extra.server ?? ""} }
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(keysFile)} }
integrations:
  - { name: idp, issuer: "http://127.0.0.1:1", audiences: [ocient] }
databases:
  system: { integration: idp }
${extra.state ?? ""}`,
  );
  return { file, keysFile };
}

describe("TLS files", () => {
  it("serve names server.tls.cert_file and the path, and creates no key file", async () => {
    const cert = join(dir, "missing.crt");
    const { file, keysFile } = await configFile("tls-serve", {
      server: `, tls: { cert_file: ${JSON.stringify(cert)}, key_file: ${JSON.stringify(join(dir, "missing.key"))} }`,
    });
    const result = await runCliProcess(["serve", "--config", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`server.tls.cert_file: cannot read ${cert}: ENOENT`);
    expect(await exists(keysFile)).toBe(false);
  }, 30_000);

  it("with workers, the primary fails the same way before creating the key file", async () => {
    const cert = join(dir, "missing-workers.crt");
    const { file, keysFile } = await configFile("tls-workers", {
      server: `, workers: 2, tls: { cert_file: ${JSON.stringify(cert)}, key_file: ${JSON.stringify(join(dir, "missing.key"))} }`,
    });
    const result = await runCliProcess(["serve", "--config", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`server.tls.cert_file: cannot read ${cert}: ENOENT`);
    expect(await exists(keysFile)).toBe(false);
  }, 30_000);

  it("check-config reports an unreadable certificate and key, and exits 1", async () => {
    const { file } = await configFile("tls-check", {
      server: `, tls: { cert_file: ${JSON.stringify(join(dir, "no.crt"))}, key_file: ${JSON.stringify(join(dir, "no.key"))} }`,
    });
    const result = await runCliProcess(["check-config", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`server.tls.cert_file: cannot read ${join(dir, "no.crt")}: ENOENT`);
    expect(result.stderr).toContain(`server.tls.key_file: cannot read ${join(dir, "no.key")}: ENOENT`);
  }, 30_000);

  it("check-config refuses files that are not a certificate and its key", async () => {
    await writeFile(join(dir, "junk.crt"), "not a certificate\n");
    await writeFile(join(dir, "junk.key"), "not a key\n", { mode: 0o600 });
    const { file } = await configFile("tls-junk", {
      server: `, tls: { cert_file: ${JSON.stringify(join(dir, "junk.crt"))}, key_file: ${JSON.stringify(join(dir, "junk.key"))} }`,
    });
    const result = await runCliProcess(["check-config", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/server\.tls: .+/);
  }, 30_000);
});

describe("Redis", () => {
  it("check-config connects and says so", async () => {
    const { file } = await configFile("redis-ok", { state: `state:\n  redis: { url: "${redis.url}" }\n` });
    const result = await runCliProcess(["check-config", file]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/state\.redis\s+ok \(connected, PING answered\)/);
  }, 30_000);

  it("check-config reports a Redis that does not answer, without failing (serve starts without it)", async () => {
    const port = await freePort();
    const { file } = await configFile("redis-down", {
      state: `state:\n  redis: { url: "redis://127.0.0.1:${port}", timeout_ms: 300 }\n`,
    });
    const result = await runCliProcess(["check-config", file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/state\.redis\s+unreachable: .*ECONNREFUSED/);
  }, 30_000);

  it("check-config refuses a wrong password, exits 1, and never prints the password", async () => {
    const wrong = "wrong-pass-1234";
    const { file } = await configFile("redis-wrongpass", {
      state: `state:\n  redis: { url: "redis://:\${REDIS_PASSWORD}@127.0.0.1:${locked.port}" }\n`,
    });
    const result = await runCliProcess(["check-config", file], { env: { REDIS_PASSWORD: wrong } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/state\.redis\.url: Redis refused the connection: WRONGPASS/);
    expect(result.stdout + result.stderr).not.toContain(wrong);

    const right = await runCliProcess(["check-config", file], { env: { REDIS_PASSWORD: PASSWORD } });
    expect(right.stderr).toBe("");
    expect(right.code).toBe(0);
    expect(right.stdout + right.stderr).not.toContain(PASSWORD);
  }, 30_000);

  it("check-config's help says it connects to Redis with a short timeout", async () => {
    const result = await runCliProcess(["check-config", "--help"]);
    expect(result.stdout).toMatch(/Redis/);
  }, 30_000);
});
