/**
 * Property-based fuzzing of the request body and of the token string, against the real app over
 * loopback keep-alive: thousands of cases, never a 5xx, never a minted token, always the Ocient error
 * body, and not one call to the provider (its keys are warm and its cooldown long, and no integration
 * checks opaque tokens here), so garbage can't turn into a fetch storm.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64 } from "../support/b64.js";
import { expectRefusal } from "../support/expect-refusal.js";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { type ExchangeResponse, type Harness, startHarness } from "../support/harness.js";
import { leakedLines } from "../support/log-collector.js";
import { FIXED_MS, FIXED_S } from "../support/time.js";

const BODY_RUNS = 2000;
const TOKEN_RUNS = 2000;

let h: Harness;
let alpha: FakeProvider;
/** Valid tokens to mutate: an id_token and a JWT access token. */
let idToken: string;
let atJwt: string;
let requestsAfterWarmUp: number;

beforeAll(async () => {
  const now = () => FIXED_MS;
  alpha = await startFakeProvider({ now });
  h = await startHarness({
    now,
    // No integration takes opaque tokens: an access token that is not a JWS is refused unsent.
    dev: { access_tokens: undefined },
    integrations: [
      {
        name: "alpha",
        issuer: alpha.issuer,
        audiences: [FAKE_AUDIENCE],
        user_claim: "preferred_username",
        max_token_age_seconds: 600,
        jwks_cooldown_seconds: 3600,
      },
    ],
    databases: { alpha_db: { integration: "alpha", users: ["alice"] }, other_db: { users: ["alice"] } },
  });
  idToken = await alpha.sign();
  atJwt = await alpha.sign({}, { typ: "at+jwt" });
  for (const body of [
    { id_token: idToken, database: "alpha_db" },
    { access_token: atJwt, database: "alpha_db" },
  ]) {
    const warm = await h.post(body);
    expect(warm.status, warm.text).toBe(200);
  }
  requestsAfterWarmUp = alpha.totalRequests();
});

afterAll(async () => {
  await h?.close();
  await alpha?.close();
});

/** The whole outcome of a refused request: a 4xx with the Ocient body, no token, no echo. */
function expectRefused(response: ExchangeResponse, tokens: string[]): void {
  expectRefusal(response, expect.toBeOneOf([400, 401, 403, 413, 415]), expect.any(Number), tokens);
}

// Databases near the real ones, never the one the tokens may open ("alpha_db").
const database = fc.oneof(
  fc.constantFrom(
    "ALPHA_DB",
    "alpha_db ",
    "\u0430lpha_db",
    "alpha_db\u0000",
    "alpha\u200b_db",
    "other_db",
    "system",
    "__proto__",
    "constructor",
    "toString",
    "",
  ),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
);

/** A JWS-looking string or anything else that could stand where a token goes. */
const tokenLike = fc.oneof(
  fc.constantFrom("", ".", "..", "....", "a.b.c", "eyJ.eyJ.", "null"),
  fc
    .array(fc.base64String({ maxLength: 60 }), { minLength: 1, maxLength: 6 })
    .map((parts) => parts.join(".")),
  fc.string({ maxLength: 300 }),
  fc.constant(null).map(() => idToken),
);

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const key = fc.oneof(
  fc.constantFrom(
    "id_token",
    "access_token",
    "access_token\t",
    "database",
    "__proto__",
    "constructor",
    "prototype",
    "scope",
  ),
  fc.string({ maxLength: 20 }),
);
/** Raw JSON object text, so `__proto__` stays an ordinary key and keys may repeat. */
const objectText = fc
  .array(fc.tuple(key, fc.oneof(tokenLike, database, jsonValue)), { maxLength: 6 })
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`);
const bodyText = fc.oneof(
  { weight: 4, arbitrary: objectText },
  { weight: 1, arbitrary: jsonValue.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom<string | null>(
      null,
      "application/json; charset=utf-8",
      "text/plain",
      "application/problem+json",
      "multipart/form-data; boundary=x",
    ),
  },
);

/**
 * A changed copy of a valid token. Substitutions skip the signature's last character: its low bits
 * are padding that a base64url decoder may ignore, so changing it need not change the signature.
 */
function mutation(valid: () => string) {
  const b64url = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ");
  return fc.oneof(
    fc.tuple(fc.nat(), b64url).map(([at, ch]) => {
      const t = valid();
      const i = at % (t.length - 1);
      return t[i] === ch
        ? `${t.slice(0, i)}${ch}${ch}${t.slice(i + 1)}`
        : `${t.slice(0, i)}${ch}${t.slice(i + 1)}`;
    }),
    fc.tuple(fc.nat(), b64url).map(([at, ch]) => {
      const t = valid();
      const i = at % (t.length + 1);
      return `${t.slice(0, i)}${ch}${t.slice(i)}`;
    }),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })).map(([at, n]) => {
      const t = valid();
      const i = at % t.length;
      return `${t.slice(0, i)}${t.slice(i + n)}`;
    }),
    // Another header over the same payload and signature.
    fc
      .record(
        {
          alg: fc.oneof(
            fc.constantFrom("none", "None", "HS256", "RS256", "ES256", "RS384", "EdDSA", ""),
            jsonValue,
          ),
          kid: fc.oneof(fc.string({ maxLength: 40 }), jsonValue),
          typ: fc.constantFrom("JWT", "at+jwt", "application/at+jwt", "JOSE"),
          crit: fc.array(fc.string({ maxLength: 10 }), { maxLength: 2 }),
          jku: fc.webUrl(),
          enc: fc.constant("A256GCM"),
        },
        { requiredKeys: [] },
      )
      .map((header) => {
        const [, payload, signature] = valid().split(".");
        return `${b64(header)}.${payload}.${signature}`;
      }),
    // Other claims under the same header and signature.
    fc
      .record(
        {
          iss: fc.oneof(fc.constant(alpha.issuer), fc.webUrl(), jsonValue),
          aud: fc.oneof(fc.constant(FAKE_AUDIENCE), fc.array(fc.string({ maxLength: 12 })), jsonValue),
          sub: fc.oneof(fc.constant("alice"), jsonValue),
          preferred_username: fc.oneof(fc.constant("alice"), jsonValue),
          exp: fc.oneof(fc.integer({ min: FIXED_S - 10_000, max: FIXED_S + 10_000 }), jsonValue),
          iat: fc.oneof(fc.integer({ min: FIXED_S - 10_000, max: FIXED_S + 10_000 }), jsonValue),
          nbf: fc.oneof(fc.integer({ min: FIXED_S - 10_000, max: FIXED_S + 10_000 }), jsonValue),
        },
        { requiredKeys: [] },
      )
      .map((claims) => {
        const [header, , signature] = valid().split(".");
        return `${header}.${b64(claims)}.${signature}`;
      }),
    // Segments dropped, repeated or reordered.
    fc.shuffledSubarray([0, 1, 2, 2, 1], { minLength: 1 }).map((order) => {
      const parts = valid().split(".");
      return order.map((i) => parts[i]).join(".");
    }),
  );
}

describe("fuzzing", () => {
  it(`request bodies (${BODY_RUNS} runs): always a 4xx with the Ocient body, never a token`, async () => {
    await fc.assert(
      fc.asyncProperty(bodyText, contentType, async (body, type) => {
        const response = await h.post(body, { contentType: type });
        expectRefused(response, [idToken]);
      }),
      { numRuns: BODY_RUNS },
    );
  });

  for (const kind of ["id_token", "access_token"] as const) {
    it(`${kind} strings (${TOKEN_RUNS / 2} runs of mutated and random tokens): 4xx, never a token`, async () => {
      const valid = kind === "id_token" ? () => idToken : () => atJwt;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ weight: 4, arbitrary: mutation(valid) }, { weight: 1, arbitrary: tokenLike }),
          async (token) => {
            fc.pre(token !== valid() && token !== idToken);
            const response = await h.post({ [kind]: token, database: "alpha_db" });
            expectRefused(response, [token]);
          },
        ),
        { numRuns: TOKEN_RUNS / 2 },
      );
    });
  }

  it("contacted no provider, still mints for a valid token, and logged no token", async () => {
    expect(alpha.totalRequests()).toBe(requestsAfterWarmUp);
    const response = await h.post({ id_token: await alpha.sign(), database: "alpha_db" });
    expect(response.status, response.text).toBe(200);
    expect(h.logs.filter((l) => JSON.parse(l).level >= 50)).toEqual([]);
    expect(leakedLines()).toEqual([]);
  });
});
