/**
 * An opaque access token names no issuer, so the database picks who checks it. Whether a database exists,
 * or which integration serves it, must not show in the answer to an opaque token, nor in which provider is
 * asked: an unknown database, a database whose integration takes no opaque tokens and a database the user
 * is not granted answer alike, after the same provider calls.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import {
  type Harness,
  type HarnessResponse,
  type IntegrationInput,
  startHarness,
} from "../support/harness.js";
import { rememberToken } from "../support/log-collector.js";

const opaqueTaking = (name: string, f: FakeProvider): IntegrationInput => ({
  name,
  issuer: f.issuer,
  audiences: [FAKE_AUDIENCE],
  access_tokens: {
    introspection: {
      endpoint: f.introspectionEndpoint,
      client_id: f.introspection.clientId,
      client_secret: f.introspection.clientSecret,
    },
  },
});
const jwtOnly = (name: string, f: FakeProvider): IntegrationInput => ({
  name,
  issuer: f.issuer,
  audiences: [FAKE_AUDIENCE],
});

const randomOpaque = () => {
  const token = randomBytes(32).toString("base64url");
  rememberToken(token);
  return token;
};

/** What a caller can compare: status, the whole body, and the headers that could differ. */
const answer = (r: HarnessResponse) => ({
  status: r.status,
  body: r.json,
  wwwAuthenticate: r.headers.get("www-authenticate"),
});

const requestsTo = (...providers: FakeProvider[]) => providers.map((p) => p.totalRequests());
const delta = (before: number[], after: number[]) => after.map((n, i) => n - (before[i] ?? 0));

describe("opaque access tokens when system's integration takes them", () => {
  let h: Harness;
  /** system's provider: checks opaque tokens by introspection. */
  let sys: FakeProvider;
  /** A provider whose integration takes JWTs only. */
  let plain: FakeProvider;

  beforeAll(async () => {
    [sys, plain] = await Promise.all([startFakeProvider(), startFakeProvider()]);
    h = await startHarness({
      integrations: [opaqueTaking("sys", sys), jwtOnly("plain", plain)],
      databases: {
        system: { integration: "sys" },
        sys_db: { integration: "sys", users: ["alice"] },
        sys_locked: { integration: "sys", users: ["bob"] },
        plain_db: { integration: "plain", users: ["alice"] },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([sys, plain].map((f) => f?.close()));
  });

  const refusedAlike = ["no_such_db", "plain_db", "sys_locked"];

  it("a random opaque token gets one answer and one introspection at system's provider, whatever the database", async () => {
    const seen = [];
    for (const database of refusedAlike) {
      const before = requestsTo(sys, plain);
      const response = await h.post({ access_token: randomOpaque(), database });
      seen.push({ database, ...answer(response), calls: delta(before, requestsTo(sys, plain)) });
    }
    const expected = {
      status: 401,
      body: { status: { reason: expect.any(String), sql_state: expect.any(String), vendor_code: -1236 } },
      wwwAuthenticate: 'Bearer error="invalid_token"',
      calls: [1, 0],
    };
    for (const s of seen) expect(s, s.database).toMatchObject(expected);
    // And the same body, to the byte.
    const [first, ...rest] = seen;
    for (const s of rest) {
      expect({ ...s, database: undefined }, s.database).toEqual({ ...first, database: undefined });
    }
  });

  it("a valid opaque token for a database that is unknown, not opaque-capable or not granted gets the same 403", async () => {
    const seen = [];
    for (const database of refusedAlike) {
      const token = randomOpaque();
      sys.opaque.set(token, { sub: "alice", aud: FAKE_AUDIENCE, exp: sys.nowSeconds() + 600 });
      const before = requestsTo(sys, plain);
      const response = await h.post({ access_token: token, database });
      seen.push({ database, ...answer(response), calls: delta(before, requestsTo(sys, plain)) });
    }
    for (const s of seen) {
      expect(s, s.database).toEqual({
        database: s.database,
        status: 403,
        body: {
          status: {
            reason: "the database does not exist or the user may not open it",
            sql_state: "42501",
            vendor_code: -1251,
          },
        },
        wwwAuthenticate: null,
        calls: [1, 0],
      });
    }
  });

  it("the same valid opaque token still opens a database its integration serves and grants", async () => {
    const token = randomOpaque();
    sys.opaque.set(token, { sub: "alice", aud: FAKE_AUDIENCE, exp: sys.nowSeconds() + 600 });
    const response = await h.post({ access_token: token, database: "sys_db" });
    expect(response.status, response.text).toBe(200);
    rememberToken(response.json?.id_token);
  });
});

describe("opaque access tokens when system's integration takes none", () => {
  let h: Harness;
  let plain: FakeProvider;
  /** Takes opaque tokens, but serves only its own database. */
  let other: FakeProvider;

  beforeAll(async () => {
    [plain, other] = await Promise.all([startFakeProvider(), startFakeProvider()]);
    h = await startHarness({
      integrations: [jwtOnly("plain", plain), opaqueTaking("other", other)],
      databases: {
        system: { integration: "plain" },
        retail_analytics: { integration: "plain", groups: ["analysts"] },
        plain_db: { users: ["alice"] },
        other_db: { integration: "other", users: ["bob"] },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([plain, other].map((f) => f?.close()));
  });

  it("an unknown database and a database that takes no opaque tokens get the same 403, and no provider is asked", async () => {
    for (const valid of [false, true]) {
      const seen = [];
      for (const database of ["no_such_db", "plain_db"]) {
        const token = randomOpaque();
        if (valid)
          other.opaque.set(token, { sub: "alice", aud: FAKE_AUDIENCE, exp: other.nowSeconds() + 600 });
        const before = requestsTo(plain, other);
        const response = await h.post({ access_token: token, database });
        seen.push({ ...answer(response), calls: delta(before, requestsTo(plain, other)) });
      }
      for (const s of seen) {
        expect(s, `valid: ${valid}`).toEqual({
          status: 403,
          body: {
            status: {
              reason: "the database does not exist or the user may not open it",
              sql_state: "42501",
              vendor_code: -1251,
            },
          },
          wwwAuthenticate: null,
          calls: [0, 0],
        });
      }
    }
  });
});

describe("opaque access tokens when no integration takes them", () => {
  let h: Harness;
  let plain: FakeProvider;

  beforeAll(async () => {
    plain = await startFakeProvider();
    h = await startHarness({
      dev: { access_tokens: undefined },
      integrations: [jwtOnly("plain", plain)],
      databases: { plain_db: { integration: "plain", users: ["alice"] } },
    });
  });
  afterAll(async () => {
    await h?.close();
    await plain?.close();
  });

  it("says so with one 401 for every database, which tells nothing about them", async () => {
    const seen = [];
    for (const database of ["no_such_db", "plain_db", "retail_analytics"]) {
      const before = requestsTo(plain);
      const response = await h.post({ access_token: randomOpaque(), database });
      seen.push({ ...answer(response), calls: delta(before, requestsTo(plain)) });
    }
    for (const s of seen) {
      expect(s).toEqual({
        status: 401,
        body: {
          status: {
            reason: "invalid access_token: opaque access tokens are not accepted",
            sql_state: "28000",
            vendor_code: -1236,
          },
        },
        wwwAuthenticate: 'Bearer error="invalid_token"',
        calls: [0],
      });
    }
  });
});

describe("an opaque token the real provider will not introspect", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("is an invalid access_token (401), not an invalid provider answer (502)", async () => {
    // Three segments but no JWS header: an opaque token to us, a "structured JWT" to oidc-provider,
    // which answers 400 unsupported_token_type.
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const token = `${b64({ iss: h.provider.issuer })}.${b64({ sub: "alice" })}.${randomOpaque()}`;
    rememberToken(token);
    for (const database of ["retail_analytics", "no_such_db"]) {
      const response = await h.post({ access_token: token, database });
      expect(answer(response), database).toEqual({
        status: 401,
        body: {
          status: {
            reason: "the access_token was refused by its provider",
            sql_state: "28000",
            vendor_code: -1236,
          },
        },
        wwwAuthenticate: 'Bearer error="invalid_token"',
      });
    }
  });
});
