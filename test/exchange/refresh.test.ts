/**
 * token_refresh's core against real parts: a fake OpenID provider on loopback issues the subject
 * tokens, the real exchange mints ours with keys from the real key store, and the refresh checks
 * them. The clock is frozen and moved by hand; nothing waits.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import type { Config, ConfigInput } from "../../src/config/schema.js";
import { SsoError } from "../../src/errors.js";
import { type ExchangeFacts, ExchangeService } from "../../src/exchange/exchange.js";
import { serviceInfo } from "../../src/exchange/info.js";
import { RefreshService } from "../../src/exchange/refresh.js";
import { importPrivateJwk, signCompact } from "../../src/keys/jws.js";
import {
  generateStoredKey,
  readKeyFile,
  rotateKeys,
  type StoredKey,
  writeKeyFile,
} from "../../src/keys/key-file.js";
import { KeyStore } from "../../src/keys/key-store.js";
import { bearerToken } from "../../src/server/bearer-token.js";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { tokenFragments } from "../support/log-collector.js";
import { tokenMutation } from "../support/token-mutations.js";

const START_MS = Math.floor(Date.now() / 1000) * 1000;
const START = START_MS / 1000;
const TTL = 600;
const SESSION = 3600;
/** The service's clock, moved by tests; the fake provider signs on it too. */
const clock = { ms: START_MS };
const now = () => clock.ms;

let fake: FakeProvider;
let dir: string;

beforeAll(async () => {
  fake = await startFakeProvider({ now });
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-refresh-"));
});
afterAll(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

function configWith(token: Partial<ConfigInput["token"]> = {}, databases?: ConfigInput["databases"]): Config {
  return parseConfig({
    token: {
      issuer: "https://sso.example.com",
      keys_file: join(dir, "keys.json"),
      ttl_seconds: TTL,
      refresh_lifetime_seconds: SESSION,
      ...token,
    },
    integrations: [
      {
        name: "fake",
        issuer: fake.issuer,
        audiences: [FAKE_AUDIENCE],
        user_claim: "preferred_username",
        groups_claim: "groups",
      },
    ],
    databases: databases ?? {
      system: { integration: "fake", users: ["alice"] },
      sales: { groups: ["analysts"] },
      bob_only: { users: ["bob"] },
    },
  });
}

interface Service {
  config: Config;
  keys: KeyStore;
  exchange: ExchangeService;
  refresh: RefreshService;
}

/** Composed as the server's runtime composes it: one key store, the exchange, the refresh beside it. */
async function serviceWith(config: Config): Promise<Service> {
  const { store: keys } = await KeyStore.open(config.token.keys_file, config.token.algorithm, "create", {
    now,
  });
  const exchange = new ExchangeService(config, keys, { now });
  return { config, keys, exchange, refresh: new RefreshService(exchange, keys, { now }) };
}

/** A token minted by the real exchange from the fake provider's id_token. */
async function minted(s: Service, claims: Record<string, unknown> = {}, database = "sales"): Promise<string> {
  const id_token = await fake.sign({ groups: ["analysts"], ...claims });
  return (await s.exchange.fromSubjectToken({ id_token, database })).token;
}

/** The private key of a stored key, as the key store imports it. */
function privateKeyOf(stored: StoredKey) {
  const { created_at: _c, retire_at: _r, ...jwk } = stored;
  return importPrivateJwk(jwk as Record<string, unknown>);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A token signed by `key` (default: the service's own signer) with any header and claims. */
async function signed(
  s: Service,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key = s.keys.signer.key,
): Promise<string> {
  return signCompact(String(header.alg ?? s.keys.signer.alg), `${b64(header)}.${b64(claims)}`, key);
}

/** The claims the exchange would mint for alice now, to be altered. */
function ownClaims(s: Service, over: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(clock.ms / 1000);
  return {
    iss: s.config.token.issuer,
    sub: "alice",
    aud: s.config.token.issuer,
    azp: s.config.token.issuer,
    database: "sales",
    idp: "fake",
    groups: ["analysts"],
    iat,
    exp: iat + TTL,
    auth_time: iat,
    jti: randomUUID(),
    ...over,
  };
}

const ownHeader = (s: Service, over: Record<string, unknown> = {}) => ({
  alg: s.keys.signer.alg,
  typ: "at+jwt",
  kid: s.keys.signer.kid,
  ...over,
});

/** The whole outcome of a refused refresh: the error class's status, code and headers, nothing minted. */
async function refused(
  s: Service,
  token: string | undefined,
  database?: string,
): Promise<{ error: SsoError; facts: ExchangeFacts }> {
  const facts: ExchangeFacts = {};
  const error = await s.refresh.refresh(token, database, facts).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof SsoError)) throw new Error(`expected a refusal, got ${String(error)}`);
  expect(error.expose).toBe(true);
  expect(facts.jti, "nothing minted").toBeUndefined();
  for (const fragment of tokenFragments(token ?? "")) expect(error.message).not.toContain(fragment);
  return { error, facts };
}

let base: Service;

beforeAll(async () => {
  base = await serviceWith(configWith());
});

describe("RefreshService.refresh: refusals", () => {
  type Row = [
    name: string,
    token: (s: Service) => Promise<string | undefined>,
    database: string | undefined,
    status: number,
    vendorCode: number,
  ];
  const rows: Row[] = [
    ["no bearer token", async () => undefined, undefined, 401, -1204],
    ["an empty bearer token", async () => "", undefined, 401, -1204],
    ["not a JWT", async () => "opaque-token-value", undefined, 401, -1205],
    ["two segments", async (s) => (await minted(s)).split(".").slice(0, 2).join("."), undefined, 401, -1205],
    ["five segments (JWE)", async () => "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", undefined, 401, -1205],
    ["a segment that is not base64url", async (s) => `${await minted(s)}=`, undefined, 401, -1205],
    ["a header that is not JSON", async () => "bm90IGpzb24.eyJ9.c2ln", undefined, 401, -1205],
    [
      "a header without kid",
      async (s) => signed(s, { alg: s.keys.signer.alg, typ: "at+jwt" }, ownClaims(s)),
      undefined,
      401,
      -1205,
    ],
    [
      "an over-long token",
      async (s) => `${ownHeader(s).kid}.${"A".repeat(20_000)}.AAAA`,
      undefined,
      401,
      -1205,
    ],
    [
      "ours, but typ JWT",
      async (s) => signed(s, ownHeader(s, { typ: "JWT" }), ownClaims(s)),
      undefined,
      401,
      -1205,
    ],
    [
      "ours, but another issuer",
      async (s) => signed(s, ownHeader(s), ownClaims(s, { iss: "https://other.example.com" })),
      undefined,
      401,
      -1205,
    ],
    [
      "ours, but another audience",
      async (s) => signed(s, ownHeader(s), ownClaims(s, { aud: "someone-else" })),
      undefined,
      401,
      -1205,
    ],
    [
      "ours, but without auth_time",
      async (s) => signed(s, ownHeader(s), ownClaims(s, { auth_time: undefined })),
      undefined,
      401,
      -1205,
    ],
    [
      "ours, but groups not a list of names",
      async (s) => signed(s, ownHeader(s), ownClaims(s, { groups: "analysts" })),
      undefined,
      401,
      -1205,
    ],
    [
      "a payload changed under our signature",
      async (s) => {
        const [h, , sig] = (await minted(s)).split(".");
        return `${h}.${b64(ownClaims(s, { sub: "mallory" }))}.${sig}`;
      },
      undefined,
      401,
      -1206,
    ],
    [
      "our kid, another key's signature",
      async (s) => signed(s, ownHeader(s), ownClaims(s), privateKeyOf(await generateStoredKey("ES256"))),
      undefined,
      401,
      -1206,
    ],
    [
      "our kid, another algorithm",
      async (s) => {
        const other = await generateStoredKey("ES384");
        return signed(s, ownHeader(s, { alg: "ES384" }), ownClaims(s), privateKeyOf(other));
      },
      undefined,
      401,
      -1206,
    ],
    [
      "our kid, alg none",
      async (s) => `${b64(ownHeader(s, { alg: "none" }))}.${b64(ownClaims(s))}.c2ln`,
      undefined,
      401,
      -1206,
    ],
    [
      "a non-canonical signature spelling",
      async (s) => {
        const token = await minted(s);
        // ES256 signatures are 64 bytes: the last base64url character carries 4 unused low bits.
        // Flipping the lowest of them spells the same bytes differently.
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const i = alphabet.indexOf(token.at(-1) as string);
        const respelled = `${token.slice(0, -1)}${alphabet[i ^ 1]}`;
        expect(Buffer.from(respelled.split(".")[2] as string, "base64url")).toEqual(
          Buffer.from(token.split(".")[2] as string, "base64url"),
        );
        return respelled;
      },
      undefined,
      401,
      -1206,
    ],
    [
      "a kid we never published",
      async (s) => {
        const other = await generateStoredKey("ES256");
        return signed(s, ownHeader(s, { kid: other.kid }), ownClaims(s), privateKeyOf(other));
      },
      undefined,
      401,
      -1207,
    ],
    ["the provider's own id_token", async () => fake.sign(), undefined, 401, -1207],
    [
      "expired (exp is now: no leeway)",
      async (s) => signed(s, ownHeader(s), ownClaims(s, { exp: Math.floor(clock.ms / 1000) })),
      undefined,
      401,
      -1208,
    ],
    [
      "the session is over though the token lives",
      async (s) => minted(s, { auth_time: Math.floor(clock.ms / 1000) - SESSION }),
      undefined,
      401,
      -1208,
    ],
    ["a database not granted", async (s) => minted(s), "bob_only", 403, -1251],
    ["an unknown database", async (s) => minted(s), "no_such_db", 403, -1251],
  ];

  it.each(rows)("%s: %i %i", async (_name, token, database, status, vendorCode) => {
    const { error } = await refused(base, await token(base), database);
    expect({ status: error.status, vendorCode: error.vendorCode }).toEqual({ status, vendorCode });
    const expectedSqlState = { 401: "28000", 403: "42501", 400: "08004" }[status];
    expect(error.sqlState).toBe(expectedSqlState);
    if (status === 401) {
      expect(error.headers()).toEqual({
        "www-authenticate": vendorCode === -1204 ? "Bearer" : 'Bearer error="invalid_token"',
      });
    }
  });

  it("covers each published code of token_refresh", () => {
    const codes = new Set(rows.map((r) => r[4]));
    for (const code of [-1204, -1205, -1206, -1207, -1208, -1251]) expect(codes).toContain(code);
  });

  it("refuses a token once its exp passes, on its own clock", async () => {
    const token = await minted(base);
    const { exp } = decodeJwt(token);
    clock.ms = (exp as number) * 1000 - 1000;
    try {
      expect((await base.refresh.refresh(token)).username).toBe("alice");
      clock.ms = (exp as number) * 1000;
      expect((await refused(base, token)).error.vendorCode).toBe(-1208);
    } finally {
      clock.ms = START_MS;
    }
  });

  it("refuses a key that was retired (past retire_at), and accepts one still published", async () => {
    const file = join(dir, "rotated.json");
    // Keys written at the service's (frozen) clock, which decides which key signs.
    const old = await generateStoredKey("ES256", now);
    const retired: StoredKey = { ...(await generateStoredKey("ES256", now)), retire_at: START - 1 };
    await writeKeyFile(file, { keys: [old, retired] });
    const s = await serviceWith(configWith({ keys_file: file }));
    const before = await minted(s);
    const next = await rotateKeys(file, "ES256", TTL, 0, now);
    const rotated = await serviceWith(configWith({ keys_file: file }));
    const [key] = (await readKeyFile(file))?.keys.filter((k) => k.kid === retired.kid) ?? [];
    expect(key, "a key already past retire_at is dropped by the rotation").toBeUndefined();

    const result = await rotated.refresh.refresh(before, "system");
    expect(decodeProtectedHeader(result.access_token).kid).toBe(next.kid);
    const byRetired = await signed(
      rotated,
      ownHeader(rotated, { kid: retired.kid }),
      ownClaims(rotated),
      privateKeyOf(retired),
    );
    expect((await refused(rotated, byRetired)).error.vendorCode).toBe(-1207);
  });

  it("refuses every refresh when refresh_lifetime_seconds is 0", async () => {
    const off = await serviceWith(configWith({ refresh_lifetime_seconds: 0 }));
    const token = await minted(off);
    const { error } = await refused(off, token);
    expect([error.status, error.vendorCode]).toEqual([401, -1208]);
    // The same token refreshes where refresh is on: only the setting refused it.
    expect((await base.refresh.refresh(token)).username).toBe("alice");
  });

  it("refuses a token whose integration is gone from today's configuration", async () => {
    const token = await minted(base);
    const config = configWith();
    const renamed = parseConfig({
      ...config,
      integrations: config.integrations.map((i) => ({ ...i, name: "renamed" })),
      databases: { system: { integration: "renamed", users: ["alice"] }, sales: { groups: ["analysts"] } },
    });
    const { error, facts } = await refused(await serviceWith(renamed), token, "sales");
    expect([error.status, error.vendorCode]).toEqual([403, -1251]);
    expect(facts).toMatchObject({ integration: "fake", user: "alice", database: "sales" });
  });
});

describe("RefreshService.refresh: a new token", () => {
  it("mints for the same user, groups, integration and client, with the session's auth_time", async () => {
    const authTime = START - 100;
    const token = await minted(base, { auth_time: authTime });
    const presented = decodeJwt(token);
    clock.ms = START_MS + 60_000;
    try {
      const facts: ExchangeFacts = {};
      const result = await base.refresh.refresh(token, "sales", facts);
      expect(result).toEqual({
        access_token: expect.any(String),
        username: "alice",
        database: "sales",
        expires_in: TTL,
      });
      const { payload, protectedHeader } = await jwtVerify(
        result.access_token,
        createLocalJWKSet(base.keys.jwks()),
        {
          issuer: base.config.token.issuer,
          audience: base.config.token.issuer,
          typ: "at+jwt",
          currentDate: new Date(clock.ms),
        },
      );
      expect(protectedHeader).toEqual({ alg: "ES256", typ: "at+jwt", kid: base.keys.signer.kid });
      expect(payload).toEqual({
        iss: base.config.token.issuer,
        sub: "alice",
        aud: base.config.token.issuer,
        azp: base.config.token.issuer,
        database: "sales",
        idp: "fake",
        groups: ["analysts"],
        client_id: FAKE_AUDIENCE,
        iat: START + 60,
        exp: START + 60 + TTL,
        auth_time: authTime,
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(payload.jti).not.toBe(presented.jti);
      expect(facts).toEqual({
        database: "sales",
        integration: "fake",
        user: "alice",
        presentedJti: presented.jti,
        jti: payload.jti,
      });
      // A refreshed token refreshes again, within the same session.
      const again = decodeJwt((await base.refresh.refresh(result.access_token, "sales")).access_token);
      expect(again.auth_time).toBe(authTime);
    } finally {
      clock.ms = START_MS;
    }
  });

  it("defaults to the system database", async () => {
    const result = await base.refresh.refresh(await minted(base));
    expect(result.database).toBe("system");
    expect(decodeJwt(result.access_token).database).toBe("system");
  });

  it("never lets the new token outlive the session", async () => {
    const authTime = START - SESSION + 100;
    const token = await minted(base, { auth_time: authTime });
    const result = await base.refresh.refresh(token);
    expect(result.expires_in).toBe(100);
    const payload = decodeJwt(result.access_token);
    expect(payload.exp).toBe(authTime + SESSION);
    expect(payload.auth_time).toBe(authTime);
  });

  it("checks the grant against today's configuration: a revoked grant refuses the next refresh", async () => {
    const token = await minted(base);
    expect((await base.refresh.refresh(token, "sales")).database).toBe("sales");
    const revoked = await serviceWith(
      configWith({}, { system: { integration: "fake", users: ["alice"] }, sales: { groups: ["admins"] } }),
    );
    const { error } = await refused(revoked, token, "sales");
    expect([error.status, error.vendorCode]).toEqual([403, -1251]);
    expect((await revoked.refresh.refresh(token, "system")).database).toBe("system");
  });

  it("is not bound to the provider token's expiry, only to the session", async () => {
    const token = await minted(base, { exp: START + 30 });
    expect(decodeJwt(token).exp).toBe(START + 30);
    const result = await base.refresh.refresh(token);
    expect(result.expires_in).toBe(TTL);
  });
});

describe("RefreshService.refresh: tokens minted through a binding", () => {
  /** configWith(), the fake integration with one binding for alice's tokens (`ci`, sales only). */
  function boundConfig(binding: Record<string, unknown> = {}, token: Partial<ConfigInput["token"]> = {}) {
    const config = configWith(token);
    return parseConfig({
      ...config,
      integrations: config.integrations.map((i) => ({
        ...i,
        bindings: [
          {
            name: "ci",
            when: { preferred_username: "alice" },
            databases: ["sales"],
            max_ttl_seconds: 300,
            ...binding,
          },
        ],
      })),
    });
  }

  it("refuses by default (401 -1208): a workload exchanges a fresh token from its platform instead", async () => {
    const s = await serviceWith(boundConfig());
    const token = await minted(s);
    expect(decodeJwt(token)).toMatchObject({ binding: "ci", sub: "alice" });
    const { error, facts } = await refused(s, token, "sales");
    expect([error.status, error.vendorCode]).toEqual([401, -1208]);
    expect(error.message).toContain("binding ci");
    expect(facts).toMatchObject({ integration: "fake", user: "alice", database: "sales" });
    // The same token refreshes once its binding allows it: only the binding's default refused it.
    const allowing = await serviceWith(boundConfig({ refresh_lifetime_seconds: 600 }));
    expect((await allowing.refresh.refresh(token, "sales")).database).toBe("sales");
  });

  it("refreshes within the binding's refresh lifetime, as minted through it, never past it", async () => {
    const s = await serviceWith(boundConfig({ refresh_lifetime_seconds: 600 }));
    const authTime = START - 500;
    const token = await minted(s, { auth_time: authTime });
    const result = await s.refresh.refresh(token, "sales");
    // The binding's max_ttl_seconds (300) is cut by the end of its refresh lifetime (100 s from now).
    expect(result.expires_in).toBe(100);
    expect(decodeJwt(result.access_token)).toMatchObject({
      binding: "ci",
      auth_time: authTime,
      exp: authTime + 600,
    });
    // Past it, refused although token.refresh_lifetime_seconds (3600) would still allow it.
    clock.ms = START_MS + 100_000;
    try {
      const later = await minted(s, { auth_time: authTime });
      const { error } = await refused(s, later, "sales");
      expect([error.status, error.vendorCode]).toEqual([401, -1208]);
    } finally {
      clock.ms = START_MS;
    }
  });

  it("never refreshes longer than token.refresh_lifetime_seconds, whatever the binding says", async () => {
    const s = await serviceWith(boundConfig({ refresh_lifetime_seconds: 7200, max_ttl_seconds: 900 }));
    const authTime = START - SESSION + 50;
    const result = await s.refresh.refresh(await minted(s, { auth_time: authTime }), "sales");
    expect(result.expires_in).toBe(50);
    const ended = await minted(s, { auth_time: START - SESSION });
    expect((await refused(s, ended, "sales")).error.vendorCode).toBe(-1208);
  });

  it("stays within today's binding: its databases, and none once the binding is gone", async () => {
    const token = await minted(await serviceWith(boundConfig({ refresh_lifetime_seconds: 600 })));
    const narrowed = await serviceWith(boundConfig({ refresh_lifetime_seconds: 600, databases: ["system"] }));
    expect([(await refused(narrowed, token, "sales")).error.vendorCode]).toEqual([-1251]);
    const gone = await serviceWith(boundConfig({ refresh_lifetime_seconds: 600, name: "renamed" }));
    const { error } = await refused(gone, token, "sales");
    expect([error.status, error.vendorCode]).toEqual([403, -1251]);
  });
});

describe("minted tokens carry azp and auth_time", () => {
  it("azp is token.authorized_party, else the audience, else the issuer", async () => {
    const cases: [Partial<ConfigInput["token"]>, string][] = [
      [{}, "https://sso.example.com"],
      [{ audience: "ocient" }, "ocient"],
      [{ audience: "ocient", authorized_party: "ocient-sso" }, "ocient-sso"],
    ];
    for (const [token, azp] of cases) {
      const s = await serviceWith(configWith(token));
      expect(decodeJwt(await minted(s)).azp).toBe(azp);
    }
  });

  it("auth_time is the subject token's when it is a number not in the future, else the exchange's", async () => {
    const cases: [unknown, number][] = [
      [START - 500, START - 500],
      [START - 500.7, START - 501],
      [START + 120, START],
      ["yesterday", START],
      [-1, START],
      [undefined, START],
    ];
    for (const [given, expected] of cases) {
      expect(decodeJwt(await minted(base, { auth_time: given })).auth_time, String(given)).toBe(expected);
    }
  });
});

describe("the exchange's claim refusals", () => {
  it.each<[string, Record<string, unknown>]>([
    ["nbf", { nbf: START + 3600 }],
    ["iat", { iat: START + 3600 }],
    ["sub", { sub: "" }],
  ])("name the claim they are about: %s", async (claim, claims) => {
    const id_token = await fake.sign({ groups: ["analysts"], ...claims });
    await expect(base.exchange.fromSubjectToken({ id_token, database: "sales" })).rejects.toMatchObject({
      name: "InvalidClaim",
      code: "ERR_INVALID_CLAIM",
      claim,
    });
  });
});

describe("serviceInfo", () => {
  it("answers the default database and the served document's version", async () => {
    const { document } = await import("../../generated/openapi.js");
    expect(serviceInfo(document.info.version)).toEqual({
      default_database: "system",
      openapi_version: document.info.version,
    });
    expect(serviceInfo("9.9.9").openapi_version).toBe("9.9.9");
  });
});

describe("fuzzing the bearer value", () => {
  const RUNS = 1500;
  let valid: string;
  beforeAll(async () => {
    valid = await minted(base);
  });

  /** A changed copy of the valid token: the shared mutations, then a header or claims changed under its signature. */
  const mutated = fc.oneof(
    tokenMutation(() => valid, fc.constantFrom(..."AZaz09-_.=+/ \t")),
    fc
      .record(
        {
          alg: fc.oneof(fc.constantFrom("none", "HS256", "ES256", "RS256", "ES384", ""), fc.jsonValue()),
          // The signer's kid is read when a case is drawn: the service exists only after beforeAll.
          kid: fc.oneof(
            fc.constant(0).map(() => base.keys.signer.kid),
            fc.string({ maxLength: 40 }),
            fc.jsonValue(),
          ),
          typ: fc.constantFrom("JWT", "at+jwt", "application/at+jwt"),
          crit: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }),
          jku: fc.webUrl(),
        },
        { requiredKeys: [] },
      )
      .map((header) => {
        const [, payload, signature] = valid.split(".");
        return `${b64(header)}.${payload}.${signature}`;
      }),
    fc
      .record(
        {
          sub: fc.oneof(fc.constant("bob"), fc.jsonValue()),
          idp: fc.oneof(fc.constant("other"), fc.jsonValue()),
          exp: fc.oneof(fc.integer({ min: START - 10_000, max: START + 100_000 }), fc.jsonValue()),
          auth_time: fc.oneof(fc.integer({ min: 0, max: START + 100_000 }), fc.jsonValue()),
          groups: fc.oneof(fc.constant(["admins"]), fc.jsonValue()),
        },
        { requiredKeys: [] },
      )
      .map((claims) => {
        const [header, payload, signature] = valid.split(".");
        const original = JSON.parse(Buffer.from(payload as string, "base64url").toString());
        return `${header}.${b64({ ...original, ...claims })}.${signature}`;
      }),
  );
  const random = fc.oneof(
    fc.constantFrom("", ".", "..", "a.b.c", "eyJ.eyJ.", "null"),
    fc.array(fc.base64String({ maxLength: 60 }), { minLength: 1, maxLength: 6 }).map((p) => p.join(".")),
    fc.string({ maxLength: 300 }),
    fc.string({ unit: "grapheme", maxLength: 60 }),
  );
  const scheme = fc.constantFrom(
    "Bearer ",
    "bearer ",
    "Bearer  ",
    "Bearer",
    "Basic ",
    "",
    "Bearer\t",
    " Bearer ",
  );

  it(`never mints for anything but the valid token (${RUNS} Authorization headers)`, async () => {
    await fc.assert(
      fc.asyncProperty(scheme, fc.oneof({ weight: 4, arbitrary: mutated }, random), async (prefix, value) => {
        const token = bearerToken(`${prefix}${value}`);
        fc.pre(token !== valid);
        const { error } = await refused(base, token);
        expect(error.status).toBe(401);
        expect([-1204, -1205, -1206, -1207, -1208]).toContain(error.vendorCode);
      }),
      { numRuns: RUNS },
    );
  });

  it("still refreshes the valid token", async () => {
    expect((await base.refresh.refresh(bearerToken(`Bearer ${valid}`))).username).toBe("alice");
  });
});
