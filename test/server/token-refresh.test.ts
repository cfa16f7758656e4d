/**
 * `POST /v1/token_refresh` over HTTP, against the real app and the real embedded OpenID provider: the HTTP
 * rules of a refresh (the Authorization header, the optional body) and one row per published code as it
 * reaches the wire, as one table of requests (the rules on the token itself are rows of the core's table,
 * test/exchange/refresh.test.ts, one row per rule), the published success answer (its
 * token checked against the service's own key set), the audit line of a refresh, and fuzzing of the
 * Authorization header. The service's clock is real time plus an offset that a row may move ahead;
 * nothing waits.
 */
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import fc from "fast-check";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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
import { tokenMutation } from "../support/token-mutations.js";

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

beforeAll(async () => {
  provider = await startEmbeddedProvider();
  h = await startHarness({
    provider,
    now,
    token: { ttl_seconds: TTL, refresh_lifetime_seconds: SESSION, authorized_party: AZP },
    databases: {
      system: { integration: "dev", users: ["alice"] },
      alice_only: { users: ["alice"] },
    },
  });
}, 60_000);
afterAll(async () => {
  agent.destroy();
  await h?.close();
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

/** A token the service minted for alice from a real id_token of the provider. */
async function minted(): Promise<string> {
  const { id_token } = await provider.issueTokens("alice");
  return mintedToken(await h.post({ id_token, database: "retail_analytics" }));
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
  // -1205: not one of ours, or malformed
  [
    "a valid token with a trailing segment",
    async () => {
      const t = await minted();
      return { authorization: bearer(`${t}.AAAA`), tokens: [t] };
    },
    401,
    -1205,
  ],
  // -1206: the signature does not match
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
  // -1207: a key we never published
  [
    "the provider's JWT access token",
    async () => withToken((await provider.issueTokens("alice", { accessToken: "jwt" })).access_token),
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
  // -1251: the database is not granted, with today's configuration
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
  // The shared mutations of the valid token, in header characters, and the valid token itself.
  const mutated = fc.oneof(
    tokenMutation(() => valid, headerChar),
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
