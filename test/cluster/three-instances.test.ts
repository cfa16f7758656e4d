/**
 * Three instances behind a real nginx, sharing one key file and one real Redis: they behave as one
 * service for rate limits, replays, key rotations and device grants (a grant started through one
 * instance is verified through another, the user signing in at the provider's own pages in between).
 */
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateKeys } from "../../src/keys/key-file.js";
import { call, closeAgents, type SignInResponse } from "../signin/http.js";
import { CLUSTER_ISSUER, type Cluster, startCluster } from "../support/cluster.js";
import { type Harness, mintedToken } from "../support/harness.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { type RedisServer, startRedis } from "../support/redis.js";

let provider: EmbeddedProvider;
let redis: RedisServer;
beforeAll(async () => {
  // The provider asks device clients to poll every second (its default is none: 5 s).
  [provider, redis] = await Promise.all([startEmbeddedProvider({ deviceIntervalSeconds: 1 }), startRedis()]);
});
afterAll(async () => {
  await closeAgents();
  await Promise.all([provider?.close(), redis?.close()]);
});

/** The upstream (instance) that answered each proxied request, from nginx's access log. */
async function upstreams(cluster: Cluster): Promise<string[]> {
  return (await cluster.nginx.accessLog()).map((line) => line.split(" ").at(-1) as string);
}

describe("a rate limit across three instances", () => {
  let cluster: Cluster;
  beforeAll(async () => {
    // Sustained 1 per 5 s plus the rest of a burst of 5 over 25 s: within the few seconds of this test, 5.
    cluster = await startCluster({
      provider,
      redis,
      server: { rate_limit: { requests_per_second: 0.2, burst: 5 } },
    });
  });
  afterAll(() => cluster?.close());

  it("holds at N across the three, not 3N", async () => {
    const tokens = await Promise.all(Array.from({ length: 30 }, () => provider.issueTokens("alice")));
    const started = Date.now();
    const responses = await Promise.all(
      tokens.map(({ id_token }) => cluster.post({ id_token, database: "retail_analytics" })),
    );
    const elapsed = Date.now() - started;
    const statuses = responses.map((r) => r.status);
    const allowed = statuses.filter((s) => s === 200).length;
    // Three limits of their own would allow 15.
    expect(allowed).toBeGreaterThanOrEqual(5);
    expect(allowed).toBeLessThanOrEqual(5 + Math.floor(elapsed / 5_000));
    for (const r of responses.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(429);
      expect(r.json?.status?.vendor_code).toBe(-1256);
      expect(r.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    }
    // nginx spread them over all three.
    expect(new Set(await upstreams(cluster)).size).toBe(3);
  });
});

describe("replays and rotations across three instances", () => {
  let cluster: Cluster;
  const LEAD = 3;
  beforeAll(async () => {
    cluster = await startCluster({
      provider,
      redis,
      dev: { replay: "once" },
      token: { publish_lead_seconds: LEAD, ttl_seconds: 600 },
    });
  });
  afterAll(() => cluster?.close());

  it("refuses a replayed subject token whichever instance gets it", async () => {
    const { id_token } = await provider.issueTokens("alice");
    const before = (await upstreams(cluster)).length;
    expect((await cluster.post({ id_token, database: "retail_analytics" })).status).toBe(200);
    const replays = [];
    for (let i = 0; i < 6; i++) replays.push(await cluster.post({ id_token, database: "retail_analytics" }));
    for (const r of replays) {
      expect(r.status).toBe(401);
      expect(r.json?.status?.vendor_code).toBe(-1235);
      expect(r.json?.id_token).toBeUndefined();
    }
    // The first and the six replays went round robin: every instance refused one.
    expect(new Set((await upstreams(cluster)).slice(before)).size).toBe(3);
  });

  it("rotates under load with no verification failure for a verifier caching the key set for the lead", async () => {
    const cachedFor = LEAD * 1000;
    let cache = { at: 0, keys: createLocalJWKSet({ keys: [] }) };
    const keySet = async () => {
      if (Date.now() - cache.at >= cachedFor) {
        const { json } = await cluster.get("/.well-known/jwks.json");
        cache = { at: Date.now(), keys: createLocalJWKSet(json as JSONWebKeySet) };
      }
      return cache.keys;
    };
    const outcome = { minted: 0, verified: 0, failures: [] as string[], kids: new Set<string>() };
    const deadline = Date.now() + 12_000;
    let rotated: string | undefined;
    const rotation = new Promise<void>((resolve) =>
      setTimeout(async () => {
        rotated = (await rotateKeys(cluster.keysFile, "ES256", 600 + 300, LEAD)).kid;
        resolve();
      }, 1_000),
    );
    const worker = async () => {
      while (Date.now() < deadline) {
        const { id_token } = await provider.issueTokens("alice");
        const response = await cluster.post({ id_token, database: "retail_analytics" });
        if (response.status !== 200) {
          outcome.failures.push(`exchange ${response.status}`);
          continue;
        }
        outcome.minted++;
        const token = mintedToken(response);
        outcome.kids.add(decodeProtectedHeader(token).kid as string);
        try {
          await jwtVerify(token, await keySet(), { issuer: CLUSTER_ISSUER, typ: "at+jwt" });
          outcome.verified++;
        } catch (err) {
          outcome.failures.push((err as { code?: string }).code ?? String(err));
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), rotation]);
    expect(outcome.failures).toEqual([]);
    expect(outcome.verified).toBe(outcome.minted);
    // Both keys signed during the run: the old one until the switch, the new one after it.
    expect(rotated).toBeDefined();
    expect(outcome.kids.size).toBe(2);
    expect(outcome.kids).toContain(rotated);
    // Every instance switched by itself, without SIGHUP.
    for (const h of cluster.instances)
      expect(h.logs.some((l) => l.includes("signing keys reloaded"))).toBe(true);
  }, 30_000);
});

describe("a device grant across three instances", () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ provider, redis });
  });
  afterAll(() => cluster?.close());

  /** The instance whose request log has the answer's request id: the one that served it. */
  function servedBy(r: SignInResponse): number {
    const id = r.headers.get("x-request-id");
    const found = cluster.instances
      .map((h: Harness, i) => (h.logs.some((l) => l.includes(`"request_id":"${id}"`)) ? i : -1))
      .filter((i) => i >= 0);
    expect(found, `request ${id}`).toHaveLength(1);
    return found[0] as number;
  }

  async function verifiedByCluster(token: string) {
    const { json } = await cluster.get("/.well-known/jwks.json");
    return (
      await jwtVerify(token, createLocalJWKSet(json as JSONWebKeySet), {
        issuer: CLUSTER_ISSUER,
        typ: "at+jwt",
      })
    ).payload;
  }

  it("is started at one instance and verified at another, once, by the client that started it", async () => {
    const [first, second, third] = cluster.instances as [Harness, Harness, Harness];
    // One client (one loopback address) throughout; instances addressed directly, no proxy hop.
    const me = "127.0.3.1";
    const started = await call(
      `${first.url}/v1/sso_device_grant`,
      { database: "retail_analytics" },
      { from: me },
    );
    expect(started.status, started.text).toBe(200);
    const { user_code, verification_uri_complete } = started.json;
    await provider.completeDeviceFlow(verification_uri_complete, "alice");

    // Another client that learnt the code gets nothing, from any instance, and the code keeps working.
    const stranger = await call(
      `${third.url}/v1/sso_device_grant_verify`,
      { user_code, timeout: 2 },
      { from: "127.0.3.2" },
    );
    expect(stranger.status, stranger.text).toBe(400);
    expect(stranger.json.status.vendor_code).toBe(-1203);
    expect(stranger.json.access_token).toBeUndefined();

    const verified = await call(
      `${second.url}/v1/sso_device_grant_verify`,
      { user_code, timeout: 10 },
      { from: me },
    );
    expect(verified.status, verified.text).toBe(200);
    expect(verified.json).toMatchObject({
      username: "alice",
      database: "retail_analytics",
      token_type: "Bearer",
    });
    expect(await verifiedByCluster(verified.json.access_token)).toMatchObject({
      sub: "alice",
      database: "retail_analytics",
      client_id: provider.signIn.clientId,
    });
    expect([servedBy(started), servedBy(stranger), servedBy(verified)]).toEqual([0, 2, 1]);

    // Used once for the whole cluster: no instance mints for it again.
    for (const h of cluster.instances) {
      const again = await call(
        `${h.url}/v1/sso_device_grant_verify`,
        { user_code, timeout: 1 },
        { from: me },
      );
      expect(again.status, again.text).toBe(400);
      expect(again.json.status.vendor_code).toBe(-1203);
      expect(again.json.access_token).toBeUndefined();
    }
  }, 30_000);

  it("through nginx, binds the grant to the X-Forwarded-For client, whichever instance answers", async () => {
    const me = "127.0.3.3";
    const viaNginx = (path: string, body: unknown) => call(`${cluster.nginx.url}${path}`, body, { from: me });
    const started = await viaNginx("/v1/sso_device_grant", { database: "retail_analytics" });
    expect(started.status, started.text).toBe(200);
    await provider.completeDeviceFlow(started.json.verification_uri_complete, "alice");
    const verified = await viaNginx("/v1/sso_device_grant_verify", {
      user_code: started.json.user_code,
      timeout: 10,
    });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.json.username).toBe("alice");
    // Round robin sent them to two instances. The verify's audit line names the client nginx saw, not
    // nginx itself; and since a grant verifies only for the client that started it, the start saw it too.
    expect(servedBy(started)).not.toBe(servedBy(verified));
    const id = verified.headers.get("x-request-id");
    const line = cluster.instances.flatMap((h) => h.logs).find((l) => l.includes(`"request_id":"${id}"`));
    expect(JSON.parse(line as string)).toMatchObject({ event: "sign_in", outcome: "minted", client: me });
  }, 30_000);
});
