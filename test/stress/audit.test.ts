/**
 * The audit record: one structured line per exchange with its outcome, integration, user, database,
 * minted `jti`, client address and `vendor_code`, and never a token, a signature or a secret. (The
 * whole suite's lines are scanned once more after the last file, see test/support/log-scan.ts.)
 */
import { randomUUID } from "node:crypto";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { type Harness, mintedToken, type PostInit, startHarness } from "../support/harness.js";
import { leakedLines } from "../support/log-collector.js";

let h: Harness;
let fake: FakeProvider;
let down: FakeProvider;

beforeAll(async () => {
  [fake, down] = await Promise.all([startFakeProvider(), startFakeProvider({ mode: "down" })]);
  const trusted = (name: string, f: FakeProvider) => ({
    name,
    issuer: f.issuer,
    audiences: [FAKE_AUDIENCE],
    user_claim: "preferred_username",
    access_tokens: {
      introspection: { client_id: f.introspection.clientId, client_secret: f.introspection.clientSecret },
    },
  });
  h = await startHarness({
    integrations: [trusted("fake", fake), trusted("down", down)],
    databases: {
      fake_db: { integration: "fake", users: ["alice"] },
      admins_db: { integration: "fake", groups: ["admins"] },
      down_db: { integration: "down", users: ["alice"] },
    },
  });
});

afterAll(async () => {
  await h?.close();
  await Promise.all([fake, down].map((f) => f?.close()));
});

/** Posts with a request id of its own and returns the response and the one log line that id got. */
async function audited(body: unknown, init: PostInit = {}) {
  const id = randomUUID();
  const response = await h.post(body, { ...init, headers: { "x-request-id": id } });
  const lines = h.logs.map((l) => JSON.parse(l)).filter((l) => l.request_id === id);
  expect(lines).toHaveLength(1);
  return { response, line: lines[0] };
}

describe("the audit record of each exchange", () => {
  it("minted: integration, user, database, the minted jti, client address", async () => {
    for (const body of [
      { id_token: await fake.sign(), database: "fake_db" },
      { access_token: await fake.sign({}, { typ: "at+jwt" }), database: "fake_db" },
    ]) {
      const { response, line } = await audited(body);
      expect(response.status).toBe(200);
      const { jti } = decodeJwt(mintedToken(response));
      expect(jti).toEqual(expect.any(String));
      expect(line).toMatchObject({
        event: "exchange",
        outcome: "minted",
        integration: "fake",
        user: "alice",
        database: "fake_db",
        jti,
        client: "127.0.0.1",
        status: 200,
      });
      expect(line).not.toHaveProperty("vendor_code");
    }
  });

  it("minted from an opaque token checked by introspection", async () => {
    const opaque = `opaque-${randomUUID()}`;
    fake.opaque.set(opaque, { sub: "alice", preferred_username: "alice", client_id: FAKE_AUDIENCE });
    const { response, line } = await audited({ access_token: opaque, database: "fake_db" });
    expect(response.status).toBe(200);
    expect(line).toMatchObject({
      outcome: "minted",
      user: "alice",
      jti: decodeJwt(mintedToken(response)).jti,
    });
  });

  const refusals: [string, () => Promise<unknown>, Record<string, unknown>][] = [
    [
      "expired",
      async () => ({ id_token: await fake.sign({ exp: fake.nowSeconds() - 600 }), database: "fake_db" }),
      { outcome: "rejected", integration: "fake", vendor_code: -1228, status: 401 },
    ],
    [
      "signature does not verify",
      async () => ({ id_token: await fake.signWithForeignKey(), database: "fake_db" }),
      { outcome: "rejected", integration: "fake", vendor_code: -1234, status: 401 },
    ],
    [
      "not granted (the user is known by then)",
      async () => ({ id_token: await fake.sign(), database: "admins_db" }),
      {
        outcome: "rejected",
        integration: "fake",
        user: "alice",
        database: "admins_db",
        vendor_code: -1251,
        status: 403,
      },
    ],
    [
      "provider down",
      async () => ({ id_token: await down.sign(), database: "down_db" }),
      { outcome: "failed", integration: "down", vendor_code: -1220, status: 503 },
    ],
  ];
  for (const [name, body, expected] of refusals) {
    it(`refused, ${name}: outcome, vendor_code, no jti`, async () => {
      const { line } = await audited(await body());
      expect(line).toMatchObject({
        event: "exchange",
        client: "127.0.0.1",
        database: expect.any(String),
        ...expected,
      });
      expect(line).not.toHaveProperty("jti");
      expect(typeof line.reason).toBe("string");
    });
  }

  it("refused before the handler (malformed, 413, 415): still an audit record with vendor_code", async () => {
    for (const [body, init] of [
      ['{"id_token": ', {}],
      [{ id_token: "x", database: "d".repeat(20_000) }, {}],
      [{ id_token: "x", database: "fake_db" }, { contentType: "text/plain" }],
    ] as [unknown, PostInit][]) {
      const { line } = await audited(body, init);
      expect(line).toMatchObject({ event: "exchange", outcome: "rejected", vendor_code: -1254 });
    }
  });

  it("every exchange that reached the handler has exactly one audit line, and no line carries a token", () => {
    const lines = h.logs.map((l) => JSON.parse(l));
    const audits = lines.filter((l) => l.event === "exchange");
    expect(new Set(audits.map((l) => l.request_id)).size).toBe(audits.length);
    expect(audits.length).toBeGreaterThanOrEqual(7);
    for (const line of lines) {
      expect(JSON.stringify(line)).not.toMatch(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}/);
      expect(JSON.stringify(line)).not.toContain(fake.introspection.clientSecret);
    }
    expect(leakedLines()).toEqual([]);
  });
});
