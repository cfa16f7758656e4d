/**
 * `POST /v1/token_refresh` over HTTP, against the real app and the real embedded OpenID provider: every
 * refresh row of surface.md's error table as one table of requests, the published success answer (its
 * token checked against the service's own key set), the audit line of a refresh, and fuzzing of the
 * Authorization header. The service's clock is real time plus an offset that a row may move ahead;
 * nothing waits.
 */
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import fc from "fast-check";
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  importJWK,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readKeyFile } from "../../src/keys/key-file.js";
import { expectRefusal } from "../support/expect-refusal.js";
import {
  type ExchangeResponse,
  type Harness,
  type HarnessReload,
  mintedToken,
  parseJson,
  startHarness,
  toResponse,
} from "../support/harness.js";
import { leakedLines, rememberToken, tokenFragments } from "../support/log-collector.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";

const TTL = 600;
const SESSION = 3600;
const AZP = "ocient-sql";
const FUZZ_RUNS = 300;

/** Seconds the service's clock runs ahead of real time; rows move it, afterEach puts it back. */
let ahead = 0;
const now = () => Date.now() + ahead * 1000;

let provider: EmbeddedProvider;
/** The service under test. */
let h: Harness;
/** Another deployment: its own keys file, its own issuer. */
let stranger: Harness;
/** Our keys file, but another issuer: a token it mints is signed by our key and is not ours. */
let twin: Harness;

beforeAll(async () => {
  provider = await startEmbeddedProvider();
  h = await startHarness({
    provider,
    now,
    token: { ttl_seconds: TTL, refresh_lifetime_seconds: SESSION, authorized_party: AZP },
    databases: {
      system: { integration: "dev", users: ["alice"] },
      alice_only: { users: ["alice"] },
      bob_db: { users: ["bob"] },
    },
  });
  stranger = await startHarness({ provider });
  twin = await startHarness({
    provider,
    token: { issuer: "https://elsewhere.example.com", keys_file: h.config.token.keys_file },
  });
}, 60_000);
afterAll(async () => {
  agent.destroy();
  await Promise.all([h?.close(), stranger?.close(), twin?.close()]);
  await provider?.close();
});
afterEach(() => {
  ahead = 0;
});

type RefreshAnswer = NonNullable<ExchangeResponse["json"]> & {
  access_token?: string;
  username?: string;
  database?: string;
  expires_in?: number;
  token_type?: string;
};
type RefreshResponse = ExchangeResponse & { json: RefreshAnswer | undefined };

interface RefreshInit {
  /** The whole Authorization header; none when absent. */
  authorization?: string;
  /** An object goes as JSON, a string as is; no body when absent. */
  body?: unknown;
  /** Default `application/json` when there is a body; `null` sends none. */
  contentType?: string | null;
}

/** `POST /v1/token_refresh` at `base`, with fetch; every token of the answer is remembered for the log scan. */
async function refresh(init: RefreshInit, base = h.url): Promise<RefreshResponse> {
  const headers: Record<string, string> = {};
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  const contentType =
    init.contentType === undefined ? (init.body === undefined ? null : "application/json") : init.contentType;
  if (contentType !== null) headers["content-type"] = contentType;
  const body =
    init.body === undefined
      ? undefined
      : typeof init.body === "string"
        ? init.body
        : JSON.stringify(init.body);
  const answer = await toResponse<RefreshAnswer>(
    await fetch(`${base}/v1/token_refresh`, { method: "POST", headers, body }),
  );
  rememberToken(answer.json?.access_token);
  return answer;
}

/** A token the service minted for `user` from a real id_token of the provider. */
async function minted(user = "alice", database = "retail_analytics", at = h): Promise<string> {
  const { id_token } = await provider.issueTokens(user);
  return mintedToken(await at.post({ id_token, database }));
}

/** Our current signing key (from the keys file), to sign claims the service would never mint. */
async function ourKey() {
  const file = await readKeyFile(h.config.token.keys_file);
  const stored = file?.keys.at(-1);
  if (!stored) throw new Error("no signing key");
  const { created_at: _c, retire_at: _r, ...jwk } = stored;
  return { kid: stored.kid as string, alg: stored.alg as string, key: await importJWK(jwk) };
}

/** A token signed with our own key: the claims of `base` with `over` laid on them. */
async function forged(base: string, over: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const { kid, alg, key } = await ourKey();
  const token = await new SignJWT({ ...decodeJwt(base), ...over })
    .setProtectedHeader({ alg, kid, typ: "at+jwt", ...header })
    .sign(key);
  rememberToken(token);
  return token;
}

const bearer = (token: string) => `Bearer ${token}`;

async function keySet() {
  const { json } = await h.get("/.well-known/jwks.json");
  return createLocalJWKSet(json as JSONWebKeySet);
}

/** The success answer in full, and its token verified against the service's published keys. */
async function expectRefreshed(r: RefreshResponse, database: string, presented: string) {
  expect(r.status, r.text).toBe(200);
  expect(r.headers.get("cache-control")).toBe("no-store");
  expect(r.headers.get("www-authenticate")).toBeNull();
  expect(r.json).toEqual({
    access_token: expect.any(String),
    username: "alice",
    database,
    expires_in: expect.any(Number),
    token_type: "Bearer",
    status: { reason: expect.stringMatching(/\S/), sql_state: "00000", vendor_code: 0 },
  });
  const token = r.json?.access_token as string;
  expect(token).not.toBe(presented);
  const { payload, protectedHeader } = await jwtVerify(token, await keySet(), {
    issuer: h.config.token.issuer,
    audience: h.config.token.issuer,
    typ: "at+jwt",
    currentDate: new Date(now()),
  });
  const before = decodeJwt(presented);
  expect(protectedHeader.kid).toBe(decodeProtectedHeader(presented).kid);
  expect(payload).toMatchObject({
    sub: "alice",
    database,
    azp: AZP,
    idp: "dev",
    groups: ["analysts"],
    auth_time: before.auth_time,
  });
  expect(payload.jti).not.toBe(before.jti);
  expect(r.json?.expires_in).toBe((payload.exp as number) - (payload.iat as number));
  expect(payload.exp as number).toBeLessThanOrEqual((before.auth_time as number) + SESSION);
  return payload;
}

/** What a row sends, and the state of the world it is sent in. */
interface RowRequest extends RefreshInit {
  /** Seconds to move the service's clock ahead once the request is built. */
  ahead?: number;
  /** A configuration change (as SIGHUP would make it) in force for this request only. */
  reload?: HarnessReload;
  /** The refusal's reason, where two rows share a code. */
  reason?: RegExp;
  /** Tokens the request carries, none of which may come back. */
  tokens?: string[];
}

type Row = [name: string, request: () => Promise<RowRequest>, status: number, vendorCode: number];

const withToken = async (token: Promise<string> | string, init: RowRequest = {}): Promise<RowRequest> => {
  const t = await token;
  return { authorization: bearer(t), tokens: [t], ...init };
};

const rows: Row[] = [
  // -1204: no bearer token
  ["no Authorization header", async () => ({}), 401, -1204],
  ["an empty Authorization header", async () => ({ authorization: "" }), 401, -1204],
  ["Bearer with no token", async () => ({ authorization: "Bearer" }), 401, -1204],
  [
    "Basic credentials",
    async () => ({ authorization: `Basic ${Buffer.from("alice:secret").toString("base64")}` }),
    401,
    -1204,
  ],
  [
    "a valid token under another scheme",
    async () => {
      const t = await minted();
      return { authorization: `Token ${t}`, tokens: [t] };
    },
    401,
    -1204,
  ],
  [
    "a valid token with no scheme",
    async () => {
      const t = await minted();
      return { authorization: t, tokens: [t] };
    },
    401,
    -1204,
  ],
  // -1205: not one of ours, or malformed
  ["not a JWT", async () => ({ authorization: "Bearer opaque-token-value" }), 401, -1205],
  ["a.b.c", async () => ({ authorization: "Bearer a.b.c" }), 401, -1205],
  [
    "two segments of a valid token",
    async () => {
      const t = await minted();
      return { authorization: bearer(t.split(".").slice(0, 2).join(".")), tokens: [t] };
    },
    401,
    -1205,
  ],
  [
    "a valid token with a trailing segment",
    async () => {
      const t = await minted();
      return { authorization: bearer(`${t}.AAAA`), tokens: [t] };
    },
    401,
    -1205,
  ],
  [
    "minted by another issuer on our key",
    async () => withToken(minted("alice", "retail_analytics", twin)),
    401,
    -1205,
  ],
  [
    "our key, another audience",
    async () => withToken(forged(await minted(), { aud: "someone-else" })),
    401,
    -1205,
  ],
  ["our key, typ JWT", async () => withToken(forged(await minted(), {}, { typ: "JWT" })), 401, -1205],
  [
    "our key, no auth_time",
    async () => withToken(forged(await minted(), { auth_time: undefined })),
    401,
    -1205,
  ],
  // -1206: the signature does not match
  [
    "a payload changed under our signature",
    async () => {
      const t = await minted();
      const [header, , signature] = t.split(".");
      const payload = Buffer.from(JSON.stringify({ ...decodeJwt(t), sub: "carol" })).toString("base64url");
      return { authorization: bearer(`${header}.${payload}.${signature}`), tokens: [t] };
    },
    401,
    -1206,
  ],
  [
    "another minted token's signature",
    async () => {
      const [a, b] = await Promise.all([minted(), minted()]);
      const [header, payload] = a.split(".");
      return { authorization: bearer(`${header}.${payload}.${b.split(".")[2]}`), tokens: [a, b] };
    },
    401,
    -1206,
  ],
  [
    "our kid, alg none",
    async () => {
      const t = await minted();
      const [, payload] = t.split(".");
      const header = Buffer.from(JSON.stringify({ ...decodeProtectedHeader(t), alg: "none" })).toString(
        "base64url",
      );
      return { authorization: bearer(`${header}.${payload}.c2ln`), tokens: [t] };
    },
    401,
    -1206,
  ],
  // -1207: a key we never published
  [
    "the provider's id_token",
    async () => withToken((await provider.issueTokens("alice")).id_token),
    401,
    -1207,
  ],
  [
    "the provider's JWT access token",
    async () => withToken((await provider.issueTokens("alice", { accessToken: "jwt" })).access_token),
    401,
    -1207,
  ],
  [
    "minted by another deployment (its own keys)",
    async () => withToken(minted("alice", "retail_analytics", stranger)),
    401,
    -1207,
  ],
  // -1208: expired, or the session is over
  [
    "expired (exp passed on the service's clock)",
    async () => withToken(minted(), { ahead: TTL + 1, reason: /expired/ }),
    401,
    -1208,
  ],
  [
    "expired: exp is now, no leeway",
    async () => withToken(minted(), { ahead: TTL, reason: /expired/ }),
    401,
    -1208,
  ],
  [
    "alive, but the session is past refresh_lifetime_seconds",
    async () =>
      withToken(minted(), {
        ahead: 120,
        reload: { token: { refresh_lifetime_seconds: 60 } },
        reason: /session has ended/,
      }),
    401,
    -1208,
  ],
  [
    "refresh_lifetime_seconds: 0",
    async () =>
      withToken(minted(), { reload: { token: { refresh_lifetime_seconds: 0 } }, reason: /not refreshed/ }),
    401,
    -1208,
  ],
  // -1251: the database is not granted, with today's configuration
  [
    "a database not granted",
    async () => withToken(minted("bob", "bob_db"), { body: { database: "retail_analytics" } }),
    403,
    -1251,
  ],
  ["an unknown database", async () => withToken(minted(), { body: { database: "no_such_db" } }), 403, -1251],
  [
    "a grant revoked since the token was minted",
    async () =>
      withToken(minted(), {
        body: { database: "retail_analytics" },
        reload: { databases: { retail_analytics: { groups: ["admins"] } } },
      }),
    403,
    -1251,
  ],
  // The optional body
  ["no body", async () => withToken(minted()), 200, 0],
  ["an empty object", async () => withToken(minted(), { body: {} }), 200, 0],
  ["a database named", async () => withToken(minted(), { body: { database: "alice_only" } }), 200, 0],
  [
    "JSON content type, zero-length body",
    async () => withToken(minted(), { body: "", contentType: "application/json" }),
    200,
    0,
  ],
  [
    "a body that is not JSON",
    async () => withToken(minted(), { body: "{database:", contentType: "application/json" }),
    400,
    -1254,
  ],
  ["an empty database name", async () => withToken(minted(), { body: { database: "" } }), 400, -1254],
  [
    "a body under another content type",
    async () =>
      withToken(minted(), { body: JSON.stringify({ database: "system" }), contentType: "text/plain" }),
    415,
    -1254,
  ],
  [
    "a body over the cap",
    async () =>
      withToken(minted(), { body: { database: "system", pad: "x".repeat(h.config.server.max_body_bytes) } }),
    413,
    -1254,
  ],
];

describe("POST /v1/token_refresh: the error table", () => {
  const cases = rows.map(([name, build, status, vendorCode]) => ({ name, build, status, vendorCode }));
  it.each(cases)("$name: $status $vendorCode", async ({ build, status, vendorCode }) => {
    const { ahead: move = 0, reload, reason, tokens = [], ...init } = await build();
    ahead = move;
    if (reload) await h.reload(reload);
    try {
      const r = await refresh(init);
      if (status === 200) {
        const database = (init.body as { database?: string } | undefined)?.database ?? "system";
        await expectRefreshed(r, database, tokens[0] as string);
        return;
      }
      expectRefusal(r, status, vendorCode, tokens);
      if (reason) expect(r.json?.status?.reason).toMatch(reason);
    } finally {
      if (reload) await h.reload({});
    }
  });

  it("covers each published code of token_refresh", () => {
    const codes = new Set(rows.map((row) => row[3]));
    for (const code of [-1204, -1205, -1206, -1207, -1208, -1251]) expect(codes).toContain(code);
  });
});

describe("POST /v1/token_refresh: success", () => {
  it("answers the published shape, and its token verifies against our key set with azp and auth_time", async () => {
    const presented = await minted();
    const r = await refresh({ authorization: bearer(presented), body: { database: "retail_analytics" } });
    const payload = await expectRefreshed(r, "retail_analytics", presented);
    // The refreshed token refreshes again, in the same session.
    const again = await refresh({ authorization: bearer(r.json?.access_token as string) });
    const next = await expectRefreshed(again, "system", r.json?.access_token as string);
    expect(next.auth_time).toBe(payload.auth_time);
  });

  it("accepts the scheme in any case, and more than one space before the token", async () => {
    const presented = await minted();
    for (const authorization of [`bearer ${presented}`, `BEARER  ${presented}`]) {
      await expectRefreshed(await refresh({ authorization }), "system", presented);
    }
  });

  it("keeps a session going by refreshes until its end, and never past it", async () => {
    let token = await minted();
    const auth = decodeJwt(token).auth_time as number;
    /** Moves the service's clock to `s` seconds after the session began. */
    const at = (s: number) => {
      ahead = auth + s - Math.floor(Date.now() / 1000);
    };
    for (const s of [500, 1000, 1500, 2000, 2500, 3000, 3500]) {
      at(s);
      const r = await refresh({ authorization: bearer(token) });
      const payload = await expectRefreshed(r, "system", token);
      expect(payload.exp).toBe(Math.min((payload.iat as number) + TTL, auth + SESSION));
      token = r.json?.access_token as string;
    }
    expect(decodeJwt(token).exp).toBe(auth + SESSION);
    at(SESSION);
    expectRefusal(await refresh({ authorization: bearer(token) }), 401, -1208, [token]);
  });

  it("takes a revoked grant into account at the next refresh, and a restored one again", async () => {
    const presented = await minted();
    const grant = { authorization: bearer(presented), body: { database: "retail_analytics" } };
    await expectRefreshed(await refresh(grant), "retail_analytics", presented);
    await h.reload({ databases: { retail_analytics: { groups: ["admins"] } } });
    try {
      expectRefusal(await refresh(grant), 403, -1251, [presented]);
      // Other databases still refresh: only the revoked grant is refused.
      await expectRefreshed(await refresh({ authorization: bearer(presented) }), "system", presented);
    } finally {
      await h.reload({});
    }
    await expectRefreshed(await refresh(grant), "retail_analytics", presented);
  });

  it("writes one audit line per refresh, with event refresh, and no token in it", async () => {
    const presented = await minted();
    const ok = await refresh({ authorization: bearer(presented), body: { database: "retail_analytics" } });
    const fresh = ok.json?.access_token as string;
    const refused = await refresh({ authorization: bearer(presented), body: { database: "no_such_db" } });
    const lineOf = (r: RefreshResponse) => {
      const id = r.headers.get("x-request-id");
      const found = h.logs.filter((l) => l.includes(`"request_id":"${id}"`));
      expect(found).toHaveLength(1);
      return found[0] as string;
    };
    const minted_ = JSON.parse(lineOf(ok));
    expect(minted_).toMatchObject({
      event: "refresh",
      outcome: "minted",
      integration: "dev",
      user: "alice",
      database: "retail_analytics",
      jti: decodeJwt(fresh).jti,
      presented_jti: decodeJwt(presented).jti,
      path: "/v1/token_refresh",
      status: 200,
    });
    expect(JSON.parse(lineOf(refused))).toMatchObject({
      event: "refresh",
      outcome: "rejected",
      user: "alice",
      database: "no_such_db",
      presented_jti: decodeJwt(presented).jti,
      status: 403,
      vendor_code: -1251,
    });
    for (const line of [lineOf(ok), lineOf(refused)]) {
      expect(line).not.toMatch(/eyJ[\w-]+\.eyJ/);
      for (const token of [presented, fresh]) {
        for (const fragment of tokenFragments(token)) expect(line).not.toContain(fragment);
      }
    }
  });
});

// Keep-alive over node:http, so header values go exactly as drawn (fetch would trim them).
const agent = new HttpAgent({ keepAlive: true, maxSockets: 4 });

function rawRefresh(authorization: string): Promise<RefreshResponse> {
  const { hostname, port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        method: "POST",
        path: "/v1/token_refresh",
        agent,
        headers: { authorization },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const json = parseJson<RefreshAnswer>(text);
          rememberToken(json?.access_token);
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (typeof v === "string") headers.set(k, v);
          }
          resolve({ status: res.statusCode ?? 0, headers, json, text });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("POST /v1/token_refresh: fuzzing the Authorization header", () => {
  let valid: string;
  beforeAll(async () => {
    valid = await minted();
  });

  // What Node's HTTP client lets a header value hold: HTAB, visible ASCII, space and obs-text.
  const headerChar = fc
    .oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
      { weight: 1, arbitrary: fc.constant(0x09) },
      { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
    )
    .map((c) => String.fromCharCode(c));
  const headerText = (maxLength: number) =>
    fc.array(headerChar, { maxLength }).map((chars) => chars.join(""));
  const whitespace = fc.array(fc.constantFrom(" ", "\t", "\u00a0"), { maxLength: 3 }).map((w) => w.join(""));
  const scheme = fc.oneof(
    fc.constantFrom(
      "Bearer ",
      "bearer ",
      "BEARER ",
      "Bearer  ",
      "Bearer",
      "Bearer\t",
      "Basic ",
      "Token ",
      "",
    ),
    headerText(12).map((s) => `${s} `),
  );
  // Mutations of the valid token: a character replaced, a run deleted, a run inserted, segments reordered.
  const mutated = fc.oneof(
    fc.tuple(fc.nat(), headerChar).map(([at, ch]) => {
      const i = at % valid.length;
      const c = valid[i] === ch ? `${ch}${ch}` : ch;
      return `${valid.slice(0, i)}${c}${valid.slice(i + 1)}`;
    }),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })).map(([at, n]) => {
      const i = at % valid.length;
      return `${valid.slice(0, i)}${valid.slice(i + n)}`;
    }),
    fc
      .tuple(
        fc.nat(),
        headerText(20).filter((s) => s.length > 0),
      )
      .map(([at, s]) => {
        const i = at % (valid.length + 1);
        return `${valid.slice(0, i)}${s}${valid.slice(i)}`;
      }),
    fc.shuffledSubarray([0, 1, 2, 2, 1, 0], { minLength: 1 }).map((order) => {
      const parts = valid.split(".");
      return order.map((i) => parts[i]).join(".");
    }),
    fc.constant(null).map(() => valid),
  );
  // Up to the header limit: Node takes 16 KiB of header lines in all, this request sends ~100 bytes more.
  const huge = fc
    .tuple(fc.integer({ min: 8_000, max: 16_000 }), fc.constantFrom("A", ".", "eyJ", " "))
    .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));
  const value = fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 2, arbitrary: headerText(300) },
    { weight: 1, arbitrary: huge },
    { weight: 1, arbitrary: fc.constant(null).map(() => `${valid}.${"A".repeat(15_000 - valid.length)}`) },
  );

  /**
   * The only header that may be answered 200: the scheme `Bearer` in any case, spaces, the valid token
   * unchanged, and optional whitespace around it all (which HTTP strips from a field value).
   */
  const accepted = (header: string) => {
    const field = header.replace(/^[ \t]+|[ \t]+$/g, "");
    return /^bearer +/i.test(field) && field.replace(/^bearer +/i, "") === valid;
  };

  it(`answers 200 only for the unmodified valid token, else 401 -1204…-1208 (${FUZZ_RUNS} headers)`, async () => {
    let oks = 0;
    await fc.assert(
      fc.asyncProperty(whitespace, scheme, value, whitespace, async (before, prefix, token, after) => {
        const header = `${before}${prefix}${token}${after}`;
        const r = await rawRefresh(header);
        if (accepted(header)) {
          expect(r.status, r.text).toBe(200);
          expect(r.json?.username).toBe("alice");
          oks++;
          return;
        }
        expectRefusal(r, 401, expect.toBeOneOf([-1204, -1205, -1206, -1207, -1208]), [valid]);
      }),
      { numRuns: FUZZ_RUNS },
    );
    // The valid token was drawn often enough for the 200 branch to be exercised.
    expect(oks).toBeGreaterThan(0);
  }, 120_000);

  it("refuses the valid token with anything but SP or HTAB around it (an NBSP, a leading tab)", async () => {
    for (const header of [`Bearer ${valid}\u00a0`, `Bearer \t${valid}`, `Bearer \u00a0${valid}`]) {
      expectRefusal(await rawRefresh(header), 401, -1205, [valid]);
    }
    for (const header of [`Bearer ${valid}\t `, ` \tBearer ${valid}`]) {
      expect((await rawRefresh(header)).status).toBe(200);
    }
  });

  it("logs no token it was sent or minted", () => {
    expect(leakedLines()).toEqual([]);
  });
});
