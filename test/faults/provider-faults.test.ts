/**
 * Provider faults, against fake providers on loopback whose behaviour each test switches: the service
 * waits a bounded time, keeps using keys it already has for a bounded stale period, recovers without a
 * restart, does not let unknown kids cause a fetch storm, and picks up a key rotation after the
 * cooldown. Each integration has a provider of its own, so one test's cache never helps another.
 * The service and the providers share a clock that only the tests move: caches, cooldowns and backoffs
 * expire when a test says so, never by sleeping. Only the network timeouts are real time.
 */
import { randomUUID } from "node:crypto";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64 } from "../support/b64.js";
import { expectRefusal } from "../support/expect-refusal.js";
import {
  FAKE_AUDIENCE,
  type FakeMode,
  type FakeProvider,
  startFakeProvider,
} from "../support/fake-provider.js";
import {
  type ExchangeResponse,
  type Harness,
  type IntegrationInput,
  startHarness,
} from "../support/harness.js";
import { leakedLines, rememberToken } from "../support/log-collector.js";
import { movableClock } from "../support/time.js";

const TIMEOUT_MS = 300;
/**
 * The timeout of the integrations whose fetches must succeed (recovery, storms, rotation): not what
 * they test, and long enough that a loaded machine answering 1000 requests at once never turns the
 * one key-set fetch into a timeout.
 */
const PATIENT_MS = 10_000;
/** "Within the timeout plus a small margin": generous, for a loaded two-core machine. */
const MARGIN_MS = 1500;
const SLOW_MS = 2500;

/** Failing providers for the bounded-waiting table: how each one fails, and what the client gets. */
const FAULTS: {
  name: string;
  break: (f: FakeProvider) => void;
  opaque?: boolean;
  status: number;
  vendorCode: number;
}[] = [
  { name: "discovery down", break: (f) => setMode(f, "down"), status: 503, vendorCode: -1220 },
  {
    name: "discovery slower than the timeout",
    break: (f) => setMode(f, "slow"),
    status: 503,
    vendorCode: -1220,
  },
  {
    name: "discovery stalls after half its body",
    break: (f) => setMode(f, "stall"),
    status: 503,
    vendorCode: -1220,
  },
  { name: "discovery answers 500", break: (f) => setMode(f, "status500"), status: 503, vendorCode: -1220 },
  { name: "key set down", break: (f) => setMode(f, "down", "/jwks"), status: 503, vendorCode: -1220 },
  {
    name: "key set slower than the timeout",
    break: (f) => setMode(f, "slow", "/jwks"),
    status: 503,
    vendorCode: -1220,
  },
  {
    name: "key set stalls after half its body",
    break: (f) => setMode(f, "stall", "/jwks"),
    status: 503,
    vendorCode: -1220,
  },
  {
    name: "key set answers 500",
    break: (f) => setMode(f, "status500", "/jwks"),
    status: 503,
    vendorCode: -1220,
  },
  {
    name: "introspection slower than the timeout",
    break: (f) => setMode(f, "slow", "/introspect"),
    opaque: true,
    status: 503,
    vendorCode: -1220,
  },
  {
    name: "introspection stalls after half its body",
    break: (f) => setMode(f, "stall", "/introspect"),
    opaque: true,
    status: 503,
    vendorCode: -1220,
  },
  {
    name: "discovery answers invalid JSON",
    break: (f) => setMode(f, "badjson"),
    status: 502,
    vendorCode: -1226,
  },
  { name: "discovery redirects", break: (f) => setMode(f, "redirect"), status: 502, vendorCode: -1226 },
  {
    name: "key set answers invalid JSON",
    break: (f) => setMode(f, "badjson", "/jwks"),
    status: 502,
    vendorCode: -1230,
  },
  {
    name: "key set has no usable key",
    break: (f) => setMode(f, "emptykeys"),
    status: 502,
    vendorCode: -1230,
  },
  {
    name: "key set redirects",
    break: (f) => setMode(f, "redirect", "/jwks"),
    status: 502,
    vendorCode: -1230,
  },
];

function setMode(f: FakeProvider, mode: FakeMode, path?: string): void {
  if (path) f.modes.set(path, mode);
  else f.mode = mode;
}

const STALE = { maxAge: 1, maxStale: 2 };
const STORM_TOKENS = 1000;
const ROTATION_COOLDOWN_S = 3;

const clock = movableClock();
let h: Harness;
const providers = new Map<string, FakeProvider>();
/** 100 connections for the bursts: 1000 sockets at once would overflow the listen backlog (511). */
const burstAgent = new Agent({ connections: 100 });

function provider(name: string): FakeProvider {
  const f = providers.get(name);
  if (!f) throw new Error(`no provider ${name}`);
  return f;
}

beforeAll(async () => {
  const names = [
    ...FAULTS.map((_, i) => `fault${i}`),
    "stale",
    "busy",
    "downfirst",
    "storm",
    "burst",
    "rotating",
  ];
  // Started at once: each generates RSA keys, the longest part of this file's setup.
  await Promise.all(
    names.map(async (name) => {
      providers.set(name, await startFakeProvider({ slowMs: SLOW_MS, now: clock.now }));
    }),
  );
  const integration = (name: string, extra: Partial<IntegrationInput> = {}): IntegrationInput => {
    const f = provider(name);
    return {
      name,
      issuer: f.issuer,
      audiences: [FAKE_AUDIENCE],
      user_claim: "preferred_username",
      http_timeout_ms: TIMEOUT_MS,
      access_tokens: {
        introspection: { client_id: f.introspection.clientId, client_secret: f.introspection.clientSecret },
      },
      ...extra,
    };
  };
  h = await startHarness({
    now: clock.now,
    integrations: [
      ...FAULTS.map((_, i) => integration(`fault${i}`)),
      integration("stale", {
        jwks_max_age_seconds: STALE.maxAge,
        jwks_max_stale_seconds: STALE.maxStale,
        http_timeout_ms: PATIENT_MS,
      }),
      integration("busy"),
      integration("downfirst", { http_timeout_ms: PATIENT_MS }),
      integration("storm", { jwks_cooldown_seconds: 60, http_timeout_ms: PATIENT_MS }),
      integration("burst", { jwks_cooldown_seconds: 1, http_timeout_ms: PATIENT_MS }),
      integration("rotating", { jwks_cooldown_seconds: ROTATION_COOLDOWN_S, http_timeout_ms: PATIENT_MS }),
    ],
    databases: Object.fromEntries(
      names.map((name) => [`${name}_db`, { integration: name, users: ["alice"] }]),
    ),
  });
});

afterAll(async () => {
  await h?.close();
  await Promise.all([...providers.values()].map((f) => f.close()));
  await burstAgent.close();
});

async function exchange(name: string, token?: string): Promise<ExchangeResponse> {
  return h.post({ id_token: token ?? (await provider(name).sign()), database: `${name}_db` });
}

/** Posts many bodies at once over `burstAgent`; the status and vendor_code of each, in order. */
async function burst(bodies: object[]): Promise<{ status: number; vendor_code?: number }[]> {
  return Promise.all(
    bodies.map(async (body) => {
      const response = await undiciFetch(`${h.url}/v1/sso_token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        dispatcher: burstAgent,
      });
      const json = (await response.json()) as { status?: { vendor_code?: number } };
      return { status: response.status, vendor_code: json.status?.vendor_code };
    }),
  );
}

function tally(outcomes: { status: number; vendor_code?: number }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = `${o.status}/${o.vendor_code ?? "-"}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** A token that names the provider as issuer and a kid it never published (its signature is never checked). */
function unknownKidToken(f: FakeProvider): string {
  const now = f.nowSeconds();
  const claims = { iss: f.issuer, aud: FAKE_AUDIENCE, sub: "alice", iat: now, exp: now + 600 };
  return `${b64({ alg: "RS256", kid: `random-${randomUUID()}` })}.${b64(claims)}.${b64(randomUUID())}`;
}

describe("bounded waiting", () => {
  FAULTS.forEach((fault, i) => {
    it(`${fault.name} → ${fault.status} / ${fault.vendorCode} within ${TIMEOUT_MS} + ${MARGIN_MS} ms`, async () => {
      const name = `fault${i}`;
      const f = provider(name);
      fault.break(f);
      const opaqueToken = `opaque-${randomUUID()}`;
      if (fault.opaque) {
        f.opaque.set(opaqueToken, { sub: "alice", preferred_username: "alice", client_id: FAKE_AUDIENCE });
        rememberToken(opaqueToken);
      }
      const body = fault.opaque
        ? { access_token: opaqueToken, database: `${name}_db` }
        : { id_token: await f.sign(), database: `${name}_db` };
      const started = performance.now();
      const response = await h.post(body);
      const elapsed = performance.now() - started;
      expectRefusal(response, fault.status, fault.vendorCode);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      // The provider was asked (the failure is real, not a refusal before any call).
      expect(f.totalRequests()).toBeGreaterThan(0);
    });
  });

  it("50 concurrent exchanges against a slow provider all answer 503 within the bound, sharing fetches", async () => {
    const f = provider("busy");
    f.mode = "slow";
    const tokens = await Promise.all(Array.from({ length: 50 }, () => f.sign()));
    const started = performance.now();
    const outcomes = await burst(tokens.map((id_token) => ({ id_token, database: "busy_db" })));
    const elapsed = performance.now() - started;
    expect(tally(outcomes)).toEqual({ "503/-1220": 50 });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    // Single flight: the 50 waited on one discovery request, not 50.
    expect(f.requests.get("/.well-known/openid-configuration")).toBe(1);
  });
});

describe("recovery", () => {
  it("keys already fetched keep working while the provider is down, for the bounded stale period only", async () => {
    const f = provider("stale");
    expect((await exchange("stale")).status).toBe(200);
    const fetchedAt = clock.now();
    expect(f.requests.get("/jwks")).toBe(1);
    f.mode = "down";

    // Past max age, within the stale period: the refresh fails and the known key still verifies.
    clock.advance(STALE.maxAge * 1000 + 1);
    const stale = await exchange("stale");
    expect(stale.status, stale.text).toBe(200);
    expect(f.requests.get("/jwks")).toBe(2);

    // Past max age + max stale: the key is no longer trusted without its provider.
    clock.advance(fetchedAt + (STALE.maxAge + STALE.maxStale) * 1000 + 1 - clock.now());
    expectRefusal(await exchange("stale"), 503, -1220);

    // The provider comes back: the next exchanges succeed, no restart.
    f.mode = "ok";
    const recovered = await pollUntil200("stale");
    expect(recovered.attempts).toBeLessThanOrEqual(30);
  });

  it("a provider down from the start: 503, then recovery without a restart", async () => {
    const f = provider("downfirst");
    f.mode = "down";
    expectRefusal(await exchange("downfirst"), 503, -1220);
    f.mode = "ok";
    const recovered = await pollUntil200("downfirst");
    expect(recovered.attempts).toBeLessThanOrEqual(30);
  });

  it("a provider that is down is not hammered: 200 exchanges in a row cause a bounded number of calls", async () => {
    const f = provider("busy");
    f.mode = "down";
    const before = f.totalRequests();
    const started = clock.now();
    // One exchange every 50 ms: 10 s, ten failure backoffs.
    for (let i = 0; i < 200; i++) {
      expectRefusal(await exchange("busy"), 503, -1220);
      clock.advance(50);
    }
    const seconds = (clock.now() - started) / 1000;
    // One attempt per failure backoff (1 s) per resource (discovery, key set), plus the first.
    expect(f.totalRequests() - before).toBeLessThanOrEqual(2 * (Math.ceil(seconds) + 1));
  });
});

/** Exchanges every 100 ms of the clock until one is minted (at most 30 tries); every failure must be the 503. */
async function pollUntil200(name: string): Promise<{ attempts: number }> {
  for (let attempts = 1; attempts <= 30; attempts++) {
    const response = await exchange(name);
    if (response.status === 200) return { attempts };
    expectRefusal(response, 503, -1220);
    clock.advance(100);
  }
  throw new Error(`${name} did not recover within 30 attempts`);
}

describe("no refetch storm", () => {
  it(`${STORM_TOKENS} concurrent tokens with unknown kids, twice: one key-set fetch in all`, async () => {
    const f = provider("storm");
    for (const wave of [1, 2]) {
      const outcomes = await burst(
        Array.from({ length: STORM_TOKENS }, () => ({ id_token: unknownKidToken(f), database: "storm_db" })),
      );
      expect(tally(outcomes), `wave ${wave}`).toEqual({ "401/-1229": STORM_TOKENS });
      expect(f.requests.get("/jwks"), `wave ${wave}`).toBe(1);
    }
    expect(f.requests.get("/.well-known/openid-configuration")).toBe(1);
    // Known keys still work after the storm.
    expect((await exchange("storm")).status).toBe(200);
  });

  it(`after the cooldown (1 s), ${STORM_TOKENS} concurrent unknown kids cause at most one fetch per cooldown`, async () => {
    const f = provider("burst");
    expect((await exchange("burst")).status).toBe(200);
    expect(f.requests.get("/jwks")).toBe(1);
    const started = clock.now();
    // Each burst comes after a cooldown and falls within the next (the clock stands still meanwhile).
    for (const wave of [1, 2]) {
      clock.advance(1100);
      const outcomes = await burst(
        Array.from({ length: STORM_TOKENS }, () => ({ id_token: unknownKidToken(f), database: "burst_db" })),
      );
      expect(tally(outcomes), `wave ${wave}`).toEqual({ "401/-1229": STORM_TOKENS });
      const refetches = (f.requests.get("/jwks") ?? 0) - 1;
      const cooldowns = Math.floor((clock.now() - started) / 1000);
      expect(refetches, `wave ${wave}`).toBeGreaterThanOrEqual(wave);
      expect(refetches, `wave ${wave}`).toBeLessThanOrEqual(cooldowns);
    }
  });
});

describe("key rotation at the provider", () => {
  it("is picked up after the cooldown; tokens of the retired key then fail cleanly with -1229", async () => {
    const f = provider("rotating");
    const oldToken = await f.sign();
    expect((await exchange("rotating", oldToken)).status).toBe(200);
    expect(f.requests.get("/jwks")).toBe(1);

    await f.rotate();
    const newToken = await f.sign();
    // Until the cooldown since the last fetch is over, the new kid is unknown; then one refetch finds it.
    let minted: ExchangeResponse | undefined;
    const outcomes: string[] = [];
    for (let i = 0; i < 60 && !minted; i++) {
      const response = await exchange("rotating", newToken);
      if (response.status === 200) minted = response;
      else {
        expectRefusal(response, 401, -1229);
        outcomes.push("unknown");
        clock.advance(100);
      }
    }
    expect(minted?.status).toBe(200);
    expect(outcomes.length).toBeGreaterThan(0);
    expect(f.requests.get("/jwks")).toBe(2);

    // The old token is still unexpired, but its key is gone from the provider's key set.
    const old = await exchange("rotating", oldToken);
    expectRefusal(old, 401, -1229);
    expect(old.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    // Within the cooldown of that refetch: no further fetch for the old kid.
    expect(f.requests.get("/jwks")).toBe(2);
  });
});

describe("the logs of every fault", () => {
  it("carry no token, and no line above warn level for a provider's failure", () => {
    const lines = h.logs.map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.some((l) => l.event === "exchange" && l.vendor_code === -1220)).toBe(true);
    expect(leakedLines()).toEqual([]);
  });
});
