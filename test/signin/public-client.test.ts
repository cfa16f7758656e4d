/** A public sign-in client (no secret): its client_id goes in the body, and the provider accepts it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { call, closeAgents } from "./http.js";

let provider: EmbeddedProvider;
let h: Harness;

beforeAll(async () => {
  provider = await startEmbeddedProvider();
  h = await startHarness({
    provider,
    dev: {
      sign_in: { client_id: provider.signIn.publicClientId, scopes: ["openid", "profile", "groups"] },
    },
  });
});
afterAll(async () => {
  await closeAgents();
  await h?.close();
  await provider?.close();
});

describe("a public sign-in client", () => {
  it("completes a device grant, and the token names that client", async () => {
    const started = (await call(`${h.url}/v1/sso_device_grant`, { database: "retail_analytics" })).json;
    await provider.completeDeviceFlow(started.verification_uri_complete, "alice");
    const r = await call(`${h.url}/v1/sso_device_grant_verify`, { user_code: started.user_code, timeout: 5 });
    expect(r.status, r.text).toBe(200);
    expect(r.json.username).toBe("alice");
  });

  it("sends PKCE S256 and its client_id in the browser flow", async () => {
    const r = await call(`${h.url}/v1/sso_authentication`, { do_redirect: false });
    const url = new URL(r.json.redirect_url);
    expect(url.searchParams.get("client_id")).toBe(provider.signIn.publicClientId);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
  });
});
