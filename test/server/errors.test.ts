/**
 * Every row of the contract's error table, table-driven: `[name, request, status, vendor_code]`. Each
 * case also checks the whole outcome: the Ocient-shaped body, a reason that echoes no token, the
 * headers the row calls for, and that nothing was minted.
 */
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64 } from "../support/b64.js";
import { expectRefusal } from "../support/expect-refusal.js";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { type ExchangeResponse, type Harness, type PostInit, startHarness } from "../support/harness.js";
import { leakedLines } from "../support/log-collector.js";
import { FIXED_MS, FIXED_S } from "../support/time.js";

const HTTP_TIMEOUT_MS = 300;

/** Failing providers, each behind an integration of its own (a provider's answers are cached once good). */
const FAILING = {
  down: (f: FakeProvider) => {
    f.mode = "down";
  },
  slow: (f: FakeProvider) => {
    f.mode = "slow";
  },
  status500: (f: FakeProvider) => {
    f.mode = "status500";
  },
  jwksdown: (f: FakeProvider) => {
    f.modes.set("/jwks", "down");
  },
  badjson: (f: FakeProvider) => {
    f.mode = "badjson";
  },
  redirect: (f: FakeProvider) => {
    f.mode = "redirect";
  },
  emptykeys: (f: FakeProvider) => {
    f.mode = "emptykeys";
  },
  jwksbadjson: (f: FakeProvider) => {
    f.modes.set("/jwks", "badjson");
  },
  introspectiondown: (f: FakeProvider) => {
    f.modes.set("/introspect", "down");
  },
} as const;
type Failing = keyof typeof FAILING;

let h: Harness;
/** The well-behaved fake provider, trusted as integration "fake". */
let fake: FakeProvider;
/** A provider nobody trusts: its tokens have an unknown issuer. */
let stranger: FakeProvider;
const failing = {} as Record<Failing, FakeProvider>;

beforeAll(async () => {
  const now = () => FIXED_MS;
  [fake, stranger] = await Promise.all([startFakeProvider({ now }), startFakeProvider({ now })]);
  for (const name of Object.keys(FAILING) as Failing[]) {
    const f = await startFakeProvider({ now, slowMs: 2000 });
    FAILING[name](f);
    failing[name] = f;
  }
  h = await startHarness({
    now,
    integrations: [
      {
        name: "fake",
        issuer: fake.issuer,
        audiences: [FAKE_AUDIENCE],
        user_claim: "preferred_username",
        required_claims: { email_verified: true },
        max_token_age_seconds: 600,
      },
      ...(Object.keys(FAILING) as Failing[]).map((name) => ({
        name,
        issuer: failing[name].issuer,
        audiences: [FAKE_AUDIENCE],
        http_timeout_ms: HTTP_TIMEOUT_MS,
        access_tokens: {
          introspection: {
            client_id: failing[name].introspection.clientId,
            client_secret: failing[name].introspection.clientSecret,
          },
        },
      })),
    ],
    databases: {
      fake_db: { integration: "fake", users: ["alice"] },
      admins_only: { groups: ["admins"] },
      introspection_down_db: { integration: "introspectiondown", users: ["alice"] },
    },
  });
});

afterAll(async () => {
  await h?.close();
  await Promise.all([fake, stranger, ...Object.values(failing)].map((f) => f?.close()));
});

interface Case {
  name: string;
  /** The request body (an object is sent as JSON) and options; `token` is what must never be echoed. */
  request: () => Promise<{ body: unknown; init?: PostInit; token?: string }>;
  status: number;
  vendorCode: number;
  /** Further checks of the outcome. */
  check?: (response: ExchangeResponse) => void;
}

const idToken = (token: string, database = "fake_db") => ({ body: { id_token: token, database }, token });
const accessToken = (token: string, database = "fake_db") => ({
  body: { access_token: token, database },
  token,
});
const validClaims = () => ({
  iss: fake.issuer,
  aud: FAKE_AUDIENCE,
  sub: "alice",
  preferred_username: "alice",
  email_verified: true,
  iat: FIXED_S,
  exp: FIXED_S + 3600,
});

const cases: Case[] = [
  // 400 / 415 / 413, -1254: the request itself
  {
    name: "malformed JSON",
    request: async () => ({ body: '{"id_token": "abc", "database": ' }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "neither token",
    request: async () => ({ body: { database: "fake_db" } }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "both tokens",
    request: async () => {
      const token = await fake.sign();
      return { body: { id_token: token, access_token: token, database: "fake_db" }, token };
    },
    status: 400,
    vendorCode: -1254,
  },
  {
    name: 'both tokens, access_token spelled "access_token\\t"',
    request: async () => {
      const token = await fake.sign();
      return { body: { id_token: token, "access_token\t": token, database: "fake_db" }, token };
    },
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "id_token not a string",
    request: async () => ({ body: { id_token: 12345, database: "fake_db" } }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "access_token not a string",
    request: async () => ({ body: { access_token: { token: "x" }, database: "fake_db" } }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "database missing",
    request: async () => {
      const token = await fake.sign();
      return { body: { id_token: token }, token };
    },
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "database empty",
    request: async () => idToken(await fake.sign(), ""),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "database not a string",
    request: async () => {
      const token = await fake.sign();
      return { body: { id_token: token, database: ["fake_db"] }, token };
    },
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "body not an object",
    request: async () => ({ body: "[]" }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "unknown key",
    request: async () => {
      const token = await fake.sign();
      return { body: { id_token: token, database: "fake_db", scope: "all" }, token };
    },
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "content type text/plain",
    request: async () => {
      const { body, token } = idToken(await fake.sign());
      return { body: JSON.stringify(body), init: { contentType: "text/plain" }, token };
    },
    status: 415,
    vendorCode: -1254,
  },
  {
    // The served document describes application/json only; a structured-syntax suffix is another media type.
    name: "content type application/merge-patch+json",
    request: async () => {
      const { body, token } = idToken(await fake.sign());
      return { body: JSON.stringify(body), init: { contentType: "application/merge-patch+json" }, token };
    },
    status: 415,
    vendorCode: -1254,
  },
  {
    name: "no content type",
    request: async () => {
      const { body, token } = idToken(await fake.sign());
      return { body: JSON.stringify(body), init: { contentType: null }, token };
    },
    status: 415,
    vendorCode: -1254,
  },
  {
    name: "body over max_body_bytes",
    request: async () => idToken(`${await fake.sign()}${"A".repeat(20_000)}`),
    status: 413,
    vendorCode: -1254,
  },
  {
    name: "token over max_token_bytes (body under its cap)",
    request: async () => idToken(randomBytes(10_000).toString("base64url")),
    status: 413,
    vendorCode: -1254,
  },

  // 401 -1228: expired
  {
    name: "expired",
    request: async () => idToken(await fake.sign({ iat: FIXED_S - 500, exp: FIXED_S - 120 })),
    status: 401,
    vendorCode: -1228,
  },
  {
    name: "expired as access_token",
    request: async () =>
      accessToken(await fake.sign({ iat: FIXED_S - 500, exp: FIXED_S - 120 }, { typ: "at+jwt" })),
    status: 401,
    vendorCode: -1228,
  },
  {
    name: "expired, within the leeway (nothing left to mint)",
    request: async () => idToken(await fake.sign({ iat: FIXED_S - 500, exp: FIXED_S - 10 })),
    status: 401,
    vendorCode: -1228,
  },

  // 401 -1229: signing key unknown
  {
    name: "kid not in the provider's key set",
    request: async () => idToken(await fake.signWithForeignKey({}, { kid: "not-a-known-kid" })),
    status: 401,
    vendorCode: -1229,
  },
  {
    name: "kid unknown, with a jku that is never fetched",
    request: async () =>
      idToken(await fake.signWithForeignKey({}, { kid: "attacker-kid", jku: stranger.jwksUri })),
    status: 401,
    vendorCode: -1229,
    check: () => expect(stranger.totalRequests()).toBe(0),
  },

  // 401 -1231: invalid claim
  {
    name: "nbf in the future",
    request: async () => idToken(await fake.sign({ nbf: FIXED_S + 600 })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "iat in the future",
    request: async () => idToken(await fake.sign({ iat: FIXED_S + 600, exp: FIXED_S + 4200 })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "older than max_token_age_seconds",
    request: async () => idToken(await fake.sign({ iat: FIXED_S - 1200, exp: FIXED_S + 600 })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "sub missing",
    request: async () => idToken(await fake.sign({ sub: undefined })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "required_claims not met",
    request: async () => idToken(await fake.sign({ email_verified: false })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "required claim missing",
    request: async () => idToken(await fake.sign({ email_verified: undefined })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "user_claim missing",
    request: async () => idToken(await fake.sign({ preferred_username: undefined })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "typ application/at+jwt presented as id_token",
    request: async () => idToken(await fake.sign({}, { typ: "application/at+jwt" })),
    status: 401,
    vendorCode: -1231,
  },

  // 401 -1232: unknown issuer, and no network call for it
  {
    name: "unknown issuer",
    request: async () => idToken(await stranger.sign()),
    status: 401,
    vendorCode: -1232,
    check: () => expect(stranger.totalRequests()).toBe(0),
  },
  {
    name: "unknown issuer as JWT access_token",
    request: async () => accessToken(await stranger.sign({}, { typ: "at+jwt" })),
    status: 401,
    vendorCode: -1232,
    check: () => expect(stranger.totalRequests()).toBe(0),
  },

  // 401 -1233: audience / azp
  {
    name: "wrong aud",
    request: async () => idToken(await fake.sign({ aud: "someone-else" })),
    status: 401,
    vendorCode: -1233,
  },
  {
    name: "several aud without azp",
    request: async () => idToken(await fake.sign({ aud: [FAKE_AUDIENCE, "someone-else"] })),
    status: 401,
    vendorCode: -1233,
  },
  {
    name: "several aud with a foreign azp",
    request: async () =>
      idToken(await fake.sign({ aud: [FAKE_AUDIENCE, "someone-else"], azp: "someone-else" })),
    status: 401,
    vendorCode: -1233,
  },
  {
    name: "one aud with a foreign azp",
    request: async () => idToken(await fake.sign({ azp: "someone-else" })),
    status: 401,
    vendorCode: -1233,
  },

  // 401 -1234: signature and algorithm
  {
    name: "signature does not verify",
    request: async () => idToken(await fake.signWithForeignKey()),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "payload altered after signing",
    request: async () => {
      const [header, , signature] = (await fake.sign()).split(".");
      return idToken(`${header}.${b64({ ...validClaims(), sub: "carol" })}.${signature}`);
    },
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "HS256",
    request: async () =>
      idToken(
        await new SignJWT(validClaims())
          .setProtectedHeader({ alg: "HS256", kid: fake.kid })
          .sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long")),
      ),
    status: 401,
    vendorCode: -1234,
  },

  // 401 -1235 / -1236: otherwise invalid
  {
    name: "garbage id_token",
    request: async () => idToken("this-is-not-a-token-at-all"),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "id_token with an undecodable header",
    request: async () => idToken(`${Buffer.from("{nope").toString("base64url")}.e30.c2ln`),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "access_token with characters no token has",
    request: async () => accessToken("not a token {}", "retail_analytics"),
    status: 401,
    vendorCode: -1236,
  },
  {
    name: "opaque access_token for a database whose integration takes none (system's checks it)",
    request: async () => accessToken(randomBytes(32).toString("base64url"), "fake_db"),
    status: 401,
    vendorCode: -1236,
  },

  // 403 -1251: not granted, or unknown (same answer)
  {
    name: "database unknown",
    request: async () => idToken((await h.provider.issueTokens("alice")).id_token, "no_such_db"),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: "database not granted",
    request: async () => idToken((await h.provider.issueTokens("alice")).id_token, "admins_only"),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: "database served by another integration",
    request: async () => idToken((await h.provider.issueTokens("alice")).id_token, "fake_db"),
    status: 403,
    vendorCode: -1251,
  },

  // 503 -1220 + Retry-After: provider unreachable or too slow
  {
    name: "provider down (discovery)",
    request: async () => idToken(await failing.down.sign()),
    status: 503,
    vendorCode: -1220,
  },
  {
    name: `provider slower than http_timeout_ms (${HTTP_TIMEOUT_MS} ms)`,
    request: async () => idToken(await failing.slow.sign()),
    status: 503,
    vendorCode: -1220,
  },
  {
    name: "provider answers 500",
    request: async () => idToken(await failing.status500.sign()),
    status: 503,
    vendorCode: -1220,
  },
  {
    name: "key set unreachable (discovery fine)",
    request: async () => idToken(await failing.jwksdown.sign()),
    status: 503,
    vendorCode: -1220,
  },
  {
    name: "introspection unreachable",
    request: async () => accessToken(randomBytes(32).toString("base64url"), "introspection_down_db"),
    status: 503,
    vendorCode: -1220,
  },

  // 502 -1226 / -1230: provider answered nonsense
  {
    name: "discovery answers bad JSON",
    request: async () => idToken(await failing.badjson.sign()),
    status: 502,
    vendorCode: -1226,
  },
  {
    name: "discovery redirects (never followed)",
    request: async () => idToken(await failing.redirect.sign()),
    status: 502,
    vendorCode: -1226,
  },
  {
    name: "key set with no usable key",
    request: async () => idToken(await failing.emptykeys.sign()),
    status: 502,
    vendorCode: -1230,
  },
  {
    name: "key set answers bad JSON",
    request: async () => idToken(await failing.jwksbadjson.sign()),
    status: 502,
    vendorCode: -1230,
  },
];

describe("POST /v1/sso_token refusals", () => {
  for (const c of cases) {
    it(`${c.name} → ${c.status} / ${c.vendorCode}`, async () => {
      const { body, init, token } = await c.request();
      const response = await h.post(body, init);
      expectRefusal(response, c.status, c.vendorCode, token === undefined ? [] : [token]);
      c.check?.(response);
    });
  }
});

describe("no enumeration of databases", () => {
  it("answers an unknown and an ungranted database with the same body, for either token kind", async () => {
    const { id_token, access_token } = await h.provider.issueTokens("bob");
    const answers = await Promise.all([
      h.post({ id_token, database: "no_such_db" }),
      h.post({ id_token, database: "retail_analytics" }),
      h.post({ access_token, database: "no_such_db" }),
      h.post({ access_token, database: "retail_analytics" }),
    ]);
    for (const a of answers) expect(a.status).toBe(403);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
  });
});

describe("the service while a provider is down", () => {
  it("stays ready and keeps serving the other providers", async () => {
    expect((await h.get("/readyz")).status).toBe(200);
    const { id_token } = await h.provider.issueTokens("alice");
    expect((await h.post({ id_token, database: "retail_analytics" })).status).toBe(200);
  });
});

describe("a token over max_token_bytes when the body cap is larger", () => {
  let big: Harness;
  beforeAll(async () => {
    big = await startHarness({ provider: h.provider, server: { max_body_bytes: 65_536 } });
  });
  afterAll(async () => {
    await big?.close();
  });

  it("is 413 / -1254 like any token over the cap", async () => {
    // The token cap is checked before schema validation (whose maxLength would answer 400).
    const response = await big.post({ id_token: "A".repeat(20_000), database: "retail_analytics" });
    expectRefusal(response, 413, -1254);
  });
});

describe("rate limited (server.rate_limit)", () => {
  let limited: Harness;
  beforeAll(async () => {
    limited = await startHarness({
      provider: h.provider,
      server: { rate_limit: { requests_per_second: 0.01, burst: 1 } },
    });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it("→ 429 / -1256 with Retry-After once the burst is spent", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    expect((await limited.post({ id_token, database: "retail_analytics" })).status).toBe(200);
    const response = await limited.post({ id_token, database: "retail_analytics" });
    expectRefusal(response, 429, -1256, [id_token]);
  });
});

describe("the logs of every refusal", () => {
  it("carry an audit line per exchange with its vendor_code and never a token fragment", () => {
    const lines = h.logs.map((l) => JSON.parse(l));
    const refused = lines.filter((l) => l.event === "exchange" && l.outcome !== "minted");
    // Refusals before the handler (415, body over the cap, schema) have a request line but no audit.
    const audited = cases.filter((c) => c.status > 400 && c.status !== 415 && !/body over/.test(c.name));
    expect(refused.length).toBeGreaterThanOrEqual(audited.length);
    for (const line of refused) expect(typeof line.vendor_code).toBe("number");
    expect(lines.some((l) => l.level >= 50)).toBe(false);
    expect(leakedLines()).toEqual([]);
  });
});

describe("rate limited behind a trusted proxy", () => {
  let proxied: Harness;
  beforeAll(async () => {
    proxied = await startHarness({
      provider: h.provider,
      server: { trust_proxy: true, rate_limit: { requests_per_second: 0.01, burst: 1 } },
    });
  });
  afterAll(async () => {
    await proxied?.close();
  });

  it("keys the limit by the hop the proxy appended, not by what the client wrote before it", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    const viaProxy = (spoofed: string) =>
      proxied.post(
        { id_token, database: "retail_analytics" },
        { headers: { "x-forwarded-for": `${spoofed}, 203.0.113.7` } },
      );
    expect((await viaProxy("198.51.100.1")).status).toBe(200);
    const second = await viaProxy("198.51.100.2");
    expectRefusal(second, 429, -1256, [id_token]);
    const audit = proxied.logs
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === "exchange")
      .at(-1);
    expect(audit.client).toBe("203.0.113.7");
  });
});
