/**
 * The client's sign-in helpers against the real service and the real oidc-provider: signInWithDevice
 * (prompt, pending answers called again, cancellation), browserSignIn (the provider's URL, no redirect
 * followed), and errors that name the operation that failed.
 */
import { createRemoteJWKSet, jwtVerify } from "jose";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createSsoClient,
  type DevicePrompt,
  type SsoClient,
  SsoExchangeError,
} from "../../src/client/index.js";
import { type Harness, startHarness } from "../support/harness.js";
import { rememberSecret, rememberToken } from "../support/log-collector.js";
import { freePort } from "../support/ports.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";

let provider: EmbeddedProvider;
let h: Harness;
let client: SsoClient;
const calls: string[] = [];

beforeAll(async () => {
  provider = await startEmbeddedProvider({ deviceIntervalSeconds: 1 });
  rememberSecret(provider.signIn.clientSecret);
  h = await startHarness({
    provider,
    databases: { no_sign_in: { integration: "plain", users: ["alice"] } },
    integrations: [{ name: "plain", issuer: "http://127.0.0.1:9/plain", audiences: ["x"] }],
  });
  client = createSsoClient({
    baseUrl: h.url,
    fetch: (request) => {
      calls.push(new URL(request.url).pathname);
      return fetch(request);
    },
  });
});
afterAll(async () => {
  await h?.close();
  await provider?.close();
});

const verifyCalls = () => calls.filter((p) => p === "/v1/sso_device_grant_verify").length;

describe("signInWithDevice", () => {
  it("hands over the prompt, calls verify again while pending, and returns a token that verifies", async () => {
    const prompts: DevicePrompt[] = [];
    const before = verifyCalls();
    const result = await client.signInWithDevice({
      database: "retail_analytics",
      timeout: 1,
      onPrompt(prompt) {
        prompts.push(prompt);
        rememberSecret(prompt.user_code);
        // The person signs in a little later, on another device.
        setTimeout(() => void provider.completeDeviceFlow(prompt.verification_uri_complete, "alice"), 2500);
      },
    });
    rememberToken(result.token);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toEqual({
      verification_uri: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
      verification_uri_complete: expect.stringContaining(encodeURIComponent(prompts[0]?.user_code ?? "-")),
      user_code: expect.any(String),
      expires_in: expect.any(Number),
    });
    // With a 1-second timeout per call and the person 2.5 s late, at least one answer was "pending".
    expect(verifyCalls() - before).toBeGreaterThanOrEqual(2);
    expect(result).toMatchObject({ username: "alice", database: "retail_analytics", tokenType: "Bearer" });
    const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(result.token, jwks, { issuer: h.config.token.issuer, typ: "at+jwt" });
    expect(payload).toMatchObject({ sub: "alice", database: "retail_analytics" });
  });

  it("is cancelled by its signal while waiting for the person: rejects with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("the person pressed Ctrl-C");
    const outcome = client.signInWithDevice({
      database: "retail_analytics",
      timeout: 30,
      signal: controller.signal,
      onPrompt: (prompt) => {
        rememberSecret(prompt.user_code);
        setTimeout(() => controller.abort(reason), 200);
      },
    });
    await expect(outcome).rejects.toBe(reason);
  });

  it("a rate-limited verify (429) is waited out, not failed: no call before its Retry-After", async () => {
    // A client of its own (another loopback address), so the service's 10-a-minute verify limit counts it alone.
    const agent = new Agent({ localAddress: "127.0.3.1" });
    const statuses: number[] = [];
    const limited = createSsoClient({
      baseUrl: h.url,
      fetch: async (request) => {
        const response = (await undiciFetch(request.url, {
          method: request.method,
          headers: [...request.headers],
          body: await request.text(),
          dispatcher: agent,
        })) as unknown as Response;
        if (new URL(request.url).pathname === "/v1/sso_device_grant_verify") statuses.push(response.status);
        return response;
      },
    });
    const controller = new AbortController();
    const outcome = limited.signInWithDevice({
      database: "retail_analytics",
      timeout: 1,
      signal: controller.signal,
      onPrompt: (prompt) => rememberSecret(prompt.user_code),
    });
    const cancelled = new Error("stop waiting");
    await vi.waitFor(() => expect(statuses).toContain(429), { timeout: 90_000, interval: 200 });
    const callsAtLimit = statuses.length;
    // The answer said Retry-After 60: a few seconds later, still waiting and no other call made.
    await new Promise((r) => setTimeout(r, 3000));
    expect(statuses).toHaveLength(callsAtLimit);
    controller.abort(cancelled);
    await expect(outcome).rejects.toBe(cancelled);
    expect(statuses.slice(0, -1).every((s) => s === 400)).toBe(true);
    await agent.close();
  }, 120_000);

  it("refuses bad options at the call, naming the option", async () => {
    await expect(client.signInWithDevice({ timeout: 0, onPrompt: () => undefined })).rejects.toThrow(
      /input\.timeout/,
    );
    // @ts-expect-error onPrompt is required
    await expect(client.signInWithDevice({ database: "x" })).rejects.toThrow(/input\.onPrompt/);
  });

  it("a database without a sign_in client: SsoExchangeError naming the device sign-in, -1252", async () => {
    const err = await client
      .signInWithDevice({ database: "no_sign_in", onPrompt: () => undefined })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SsoExchangeError);
    expect(err).toMatchObject({ operation: "signInWithDevice", httpStatus: 400, vendorCode: -1252 });
    expect((err as Error).message).toMatch(/^device sign-in failed \(HTTP 400, vendor_code -1252\): /);
  });
});

describe("browserSignIn", () => {
  it("answers the provider's authorization request for the app to open", async () => {
    const { url } = await client.browserSignIn({ database: "retail_analytics" });
    const request = new URL(url);
    expect(`${request.origin}${request.pathname}`).toBe(`${provider.issuer}/auth`);
    expect(request.searchParams.get("redirect_uri")).toBe(`${h.url}/v1/callback`);
    expect(request.searchParams.get("code_challenge_method")).toBe("S256");
  });
});

describe("errors name the operation", () => {
  it.each([
    ["info", (c: SsoClient) => c.info(), /^info failed \(no response, vendor_code -1220\)/],
    ["refresh", (c: SsoClient) => c.refresh({ token: "x" }), /^token refresh failed \(no response/],
    [
      "exchange",
      (c: SsoClient) => c.exchange({ database: "d", idToken: "x" }),
      /^token exchange failed \(no response/,
    ],
  ])("%s() against a closed port", async (operation, run, message) => {
    const closed = createSsoClient({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    const err = await run(closed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SsoExchangeError);
    expect(err).toMatchObject({ operation, code: "ERR_NETWORK" });
    expect((err as Error).message).toMatch(message);
  });

  it("refresh() with a token not of ours says token refresh, -1205", async () => {
    const err = await client.refresh({ token: "not-a-token" }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^token refresh failed \(HTTP 401, vendor_code -1205\)/);
  });
});
