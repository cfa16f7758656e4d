/** Opaque access tokens at the provider: answers cached, never past the token's own expiry. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { Integration } from "../../src/provider/integration.js";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";

const NOW_MS = 1_900_000_000_000;
const NOW = NOW_MS / 1000;

let fake: FakeProvider;
let integration: Integration;

beforeAll(async () => {
  fake = await startFakeProvider();
  const config = parseConfig({
    token: { issuer: "http://127.0.0.1:1/" },
    integrations: [
      {
        name: "fake",
        issuer: fake.issuer,
        audiences: [FAKE_AUDIENCE],
        access_tokens: {
          introspection: {
            client_id: fake.introspection.clientId,
            client_secret: fake.introspection.clientSecret,
          },
          cache_ttl_seconds: 60,
        },
      },
    ],
    databases: { system: { integration: "fake" } },
  });
  const [cfg] = config.integrations;
  if (!cfg) throw new Error("no integration");
  integration = new Integration(cfg, { now: () => NOW_MS });
});
afterAll(async () => {
  await fake?.close();
});

function introspections(): number {
  return fake.requests.get("/introspect") ?? 0;
}

describe("OpaqueTokenChecker", () => {
  it("reuses a positive answer within cache_ttl_seconds", async () => {
    fake.opaque.set("long-lived", { sub: "alice", aud: FAKE_AUDIENCE, exp: NOW + 3600 });
    const before = introspections();
    const first = await integration.opaque?.check("long-lived", NOW_MS);
    expect(first?.claims.sub).toBe("alice");
    await integration.opaque?.check("long-lived", NOW_MS + 59_000);
    expect(introspections()).toBe(before + 1);
    await integration.opaque?.check("long-lived", NOW_MS + 61_000);
    expect(introspections()).toBe(before + 2);
  });

  it("refuses an active token that introspection says is not an access token", async () => {
    fake.opaque.set("a-refresh-token", {
      sub: "alice",
      aud: FAKE_AUDIENCE,
      exp: NOW + 3600,
      token_type: "refresh_token",
    });
    await expect(integration.opaque?.check("a-refresh-token", NOW_MS)).rejects.toMatchObject({
      vendorCode: -1236,
    });
    fake.opaque.set("a-bearer-token", {
      sub: "alice",
      aud: FAKE_AUDIENCE,
      exp: NOW + 3600,
      token_type: "Bearer",
    });
    expect((await integration.opaque?.check("a-bearer-token", NOW_MS))?.claims.sub).toBe("alice");
  });

  it("never reuses an answer past the token's exp", async () => {
    fake.opaque.set("short-lived", { sub: "alice", aud: FAKE_AUDIENCE, exp: NOW + 5 });
    const before = introspections();
    await integration.opaque?.check("short-lived", NOW_MS);
    await integration.opaque?.check("short-lived", NOW_MS + 4_000);
    expect(introspections()).toBe(before + 1);
    // Revoked meanwhile: the provider is asked again once exp has passed, and its answer wins.
    fake.opaque.delete("short-lived");
    await expect(integration.opaque?.check("short-lived", NOW_MS + 6_000)).rejects.toMatchObject({
      status: 401,
      vendorCode: -1236,
    });
    expect(introspections()).toBe(before + 2);
  });

  it.each([
    ["an audience not ours", { sub: "alice", aud: "someone-else" }, 401, -1233],
    ["no sub", { aud: FAKE_AUDIENCE }, 401, -1231],
    ["another issuer", { sub: "alice", aud: FAKE_AUDIENCE, iss: "http://127.0.0.1:2" }, 401, -1232],
    ["exp long past", { sub: "alice", aud: FAKE_AUDIENCE, exp: NOW - 3600 }, 401, -1228],
  ])("refuses an active token with %s", async (_name, info, status, vendorCode) => {
    const token = `token-${vendorCode}-${String(_name).replaceAll(" ", "-")}`;
    fake.opaque.set(token, info);
    await expect(integration.opaque?.check(token, NOW_MS)).rejects.toMatchObject({ status, vendorCode });
  });
});
