/**
 * Redis over TLS as the service's own ACL user (the minimal rights of docs/redis-sentinel.md): exchanges
 * with `replay: once` and rate limits in Redis work through `rediss://` with a CA file, the connection is
 * the TLS port's, and Redis logged no command the user was denied, nor any error.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort } from "../support/ports.js";
import { type RedisServer, startRedis } from "../support/redis.js";
import { SERVICE_ACL, SERVICE_PASSWORD } from "../support/redis-sentinel.js";
import { writeLoopbackCertificate } from "../support/tls-certificate.js";

const ADMIN = "admin-tls-4f0e7d2c9a1b";
let dir: string;
let redis: RedisServer;
let tlsPort: number;
let h: Harness;
let admin: Redis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-redis-tls-"));
  const { certFile, keyFile } = await writeLoopbackCertificate(dir, "redis");
  tlsPort = await freePort();
  // The plain port is the test's own (as the admin); the service has only the TLS port.
  redis = await startRedis({
    password: ADMIN,
    args: [
      "--requirepass",
      ADMIN,
      "--tls-port",
      String(tlsPort),
      "--tls-cert-file",
      certFile,
      "--tls-key-file",
      keyFile,
      "--tls-ca-cert-file",
      certFile,
      "--tls-auth-clients",
      "no",
      "--user",
      ...SERVICE_ACL,
    ],
  });
  // Its own connection sends no CLIENT SETINFO or MAINT_NOTIFICATIONS either: every error Redis counts is the service's.
  admin = new Redis({
    port: redis.port,
    password: ADMIN,
    disableClientInfo: true,
    maintNotifications: "disabled",
  });
  h = await startHarness({
    dev: { replay: "once" },
    server: { rate_limit: { requests_per_second: 1000, burst: 1000 } },
    state: {
      redis: {
        url: `rediss://127.0.0.1:${tlsPort}`,
        username: "ocient-sso",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration file's placeholder
        password: "${REDIS_PASSWORD}",
        tls: { ca_file: certFile },
        prefix: "ocient-sso:",
        timeout_ms: 1000,
      },
    },
    env: { REDIS_PASSWORD: SERVICE_PASSWORD },
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  admin?.disconnect();
  await redis?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("Redis over TLS as an ACL user", () => {
  it("claims replay records and counts rate limits through rediss://, denied nothing", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    const first = await h.post({ id_token, database: "retail_analytics" });
    const again = await h.post({ id_token, database: "retail_analytics" });
    expect(first.status).toBe(200);
    expect([again.status, again.json?.status?.vendor_code]).toEqual([401, -1235]);

    const keys = await admin.keys("*");
    expect(keys.some((k) => k.startsWith("ocient-sso:replay:"))).toBe(true);
    expect(keys.some((k) => k.startsWith("ocient-sso:ratelimit:"))).toBe(true);
    expect(keys.every((k) => k.startsWith("ocient-sso:"))).toBe(true);
    const clients = String(await admin.client("LIST"))
      .split("\n")
      .filter((line) => / name=ocient-sso /.test(line));
    expect(clients).toHaveLength(1);
    expect(clients[0]).toContain(` user=ocient-sso `);
    expect(clients[0]).toContain(`laddr=127.0.0.1:${tlsPort} `);
    expect(await admin.call("ACL", "LOG")).toEqual([]);
    // No command refused at all: a client command outside the minimal ACL (CLIENT SETINFO, CLIENT
    // MAINT_NOTIFICATIONS) is an unknown subcommand on Redis 7.0 and an ACL LOG entry from 7.2.
    const errors = (await admin.info("errorstats")).split("\r\n").filter((l) => l.startsWith("errorstat_"));
    expect(errors).toEqual([]);
  }, 30_000);
});
