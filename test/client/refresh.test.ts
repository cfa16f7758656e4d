/** The typed client's refresh(), info() and keepFresh() against the real service and provider. */
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { document } from "../../generated/openapi.js";
import { createSsoClient, keepFresh, type SsoClient, SsoExchangeError } from "../../src/client/index.js";
import { type Harness, startHarness } from "../support/harness.js";
import { rememberToken } from "../support/log-collector.js";

describe("typed client: refresh, info and keeping a token fresh", () => {
  let h: Harness;
  let client: SsoClient;
  let refreshes = 0;

  beforeAll(async () => {
    h = await startHarness();
    client = createSsoClient({
      baseUrl: h.server.url,
      fetch: (request) => {
        if (new URL(request.url).pathname === "/v1/token_refresh") refreshes++;
        return fetch(request);
      },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  async function exchanged() {
    const { id_token } = await h.provider.issueTokens("alice");
    rememberToken(id_token);
    const minted = await client.exchange({ database: "retail_analytics", idToken: id_token });
    rememberToken(minted.token);
    return minted;
  }

  it("refreshes a minted token into a new one for the same user and session", async () => {
    const minted = await exchanged();
    const refreshed = await client.refresh({ token: minted.token, database: "retail_analytics" });
    rememberToken(refreshed.token);
    expect(refreshed).toMatchObject({ database: "retail_analytics", username: "alice", tokenType: "Bearer" });
    expect(refreshed.token).not.toBe(minted.token);
    const [before, after] = [decodeJwt(minted.token), decodeJwt(refreshed.token)];
    expect(after.sub).toBe(before.sub);
    expect(after.auth_time).toBe(before.auth_time);
  });

  it("reports a refused refresh as SsoExchangeError with the published code", async () => {
    const minted = await exchanged();
    const denied = await client.refresh({ token: minted.token, database: "no_such_db" }).catch((e) => e);
    expect(denied).toBeInstanceOf(SsoExchangeError);
    expect(denied).toMatchObject({ httpStatus: 403, vendorCode: -1251 });
    const notOurs = await client.refresh({ token: "not.a.token" }).catch((e) => e);
    expect(notOurs).toMatchObject({ httpStatus: 401, vendorCode: -1205 });
  });

  it("info() answers the default database and the served document's version", async () => {
    // The version of the document generation derived from the published one, whatever release that is.
    expect(await client.info()).toEqual({ defaultDatabase: "system", openapiVersion: document.info.version });
  });

  it("keepFresh refreshes at half the token's life, once for callers at once", async () => {
    const minted = await exchanged();
    let now = 1_000_000;
    const fresh = keepFresh(client, minted, { now: () => now });
    expect(await fresh.token()).toBe(minted.token);
    now += (minted.expiresIn * 1000) / 2 - 1;
    expect(await fresh.token()).toBe(minted.token);
    const before = refreshes;
    now += 1;
    const tokens = await Promise.all(Array.from({ length: 5 }, () => fresh.token()));
    expect(refreshes - before).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(minted.token);
    rememberToken(tokens[0]);
    expect(await fresh.token()).toBe(tokens[0]);
    expect(refreshes - before).toBe(1);
  });

  it("keepFresh keeps a live token when a refresh fails, and answers the failure once it expired", async () => {
    const minted = await exchanged();
    let now = 1_000_000;
    // The service refuses every refresh for this database: the grant is not there.
    const fresh = keepFresh(client, minted, { now: () => now, database: "no_such_db" });
    now += (minted.expiresIn * 1000) / 2;
    expect(await fresh.token()).toBe(minted.token);
    now += (minted.expiresIn * 1000) / 2;
    await expect(fresh.token()).rejects.toMatchObject({ httpStatus: 403, vendorCode: -1251 });
  });
});
