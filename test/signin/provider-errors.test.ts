/**
 * Sign-in failures at the provider can be diagnosed: the request's log line names the provider's OAuth
 * error and its (cleaned, bounded) description, and a counter counts the token and device-authorization
 * calls by result. Users still get the published refusal. Real oidc-provider, real server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { leakedLines, rememberSecret } from "../support/log-collector.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { call, closeAgents } from "./http.js";

const WRONG_SECRET = "wrong-client-secret-5b8e0c1d7f";

let provider: EmbeddedProvider;
let h: Harness;
beforeAll(async () => {
  provider = await startEmbeddedProvider({ deviceIntervalSeconds: 1 });
  rememberSecret(provider.signIn.clientSecret);
  rememberSecret(WRONG_SECRET);
  h = await startHarness({ provider });
});
afterAll(async () => {
  await closeAgents();
  await h?.close();
  await provider?.close();
});

/** The value of the sign-in call counter for `call` and `result`, 0 when absent. */
async function counted(callName: string, result: string): Promise<number> {
  const text = (await h.get("/metrics")).text;
  const line = text
    .split("\n")
    .find((l) =>
      l.startsWith(
        `ocient_sso_sign_in_provider_requests_total{call="${callName}",integration="dev",result="${result}"}`,
      ),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** The log line of the last request to `path`. */
function lineOf(path: string): Record<string, unknown> {
  const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.path === path);
  const last = lines.at(-1);
  if (last === undefined) throw new Error(`no log line for ${path}`);
  return last;
}

const start = () => call(`${h.url}/v1/sso_device_grant`, { database: "retail_analytics" });

describe("a wrong sign_in.client_secret", () => {
  it("token endpoint: users get 401 -1235; the log names invalid_client; the counter counts it", async () => {
    const started = await start();
    expect(started.status, started.text).toBe(200);
    expect(await counted("device_authorization", "ok")).toBe(1);
    await provider.completeDeviceFlow(started.json.verification_uri_complete, "alice");
    // The operator's mistake: the secret changes (SIGHUP) while a sign-in is under way.
    await h.reload({
      dev: {
        sign_in: {
          client_id: provider.signIn.clientId,
          client_secret: WRONG_SECRET,
          scopes: ["openid", "profile", "email", "groups"],
          callback_paths: provider.signIn.redirectPaths,
        },
      },
    });
    const r = await call(`${h.url}/v1/sso_device_grant_verify`, {
      user_code: started.json.user_code,
      timeout: 10,
    });
    expect(r.status, r.text).toBe(401);
    expect(r.json.status.vendor_code).toBe(-1235);
    expect(r.json.access_token).toBeUndefined();
    // The provider's words stay in the log: the user's answer is the published one.
    expect(r.text).not.toContain("invalid_client");
    expect(lineOf("/v1/sso_device_grant_verify")).toMatchObject({
      status: 401,
      vendor_code: -1235,
      provider_error: "invalid_client",
      provider_error_description: expect.any(String),
    });
    expect(await counted("token", "invalid_client")).toBe(1);
  });

  it("device authorization: users get 401 -1235; the log names invalid_client; the counter counts it", async () => {
    const before = await counted("device_authorization", "invalid_client");
    const r = await start();
    expect(r.status, r.text).toBe(401);
    expect(r.json.status.vendor_code).toBe(-1235);
    expect(lineOf("/v1/sso_device_grant")).toMatchObject({ provider_error: "invalid_client" });
    expect(await counted("device_authorization", "invalid_client")).toBe(before + 1);
  });
});

describe("a refusal sent back through the browser (callback ?error=)", () => {
  it("logs the code and a cleaned, bounded description", async () => {
    const started = await call(`${h.url}/v1/sso_authentication`, {
      database: "retail_analytics",
      do_redirect: false,
    });
    expect(started.status, started.text).toBe(200);
    const state = new URL(started.json.redirect_url).searchParams.get("state") ?? "";
    const binding = started.setCookies.map((c) => c.split(";")[0]).join("; ");
    const description = `user said no\r\n{"level":60,"msg":"forged"}\u202e\u0000${"x".repeat(5000)}`;
    const callback = new URL(`${h.url}/v1/callback`);
    callback.search = new URLSearchParams({
      state,
      iss: provider.issuer,
      error: "access_denied",
      error_description: description,
    }).toString();
    const r = await call(callback.href, undefined, { method: "GET", cookie: binding });
    expect(r.status, r.text).toBe(403);
    const line = lineOf("/v1/callback");
    expect(line.provider_error).toBe("access_denied");
    const logged = String(line.provider_error_description);
    expect(logged.startsWith('user said no {"level":60,"msg":"forged"} x')).toBe(true);
    expect(logged).not.toMatch(/[\p{Cc}\u202e]/u);
    expect(Array.from(logged).length).toBeLessThanOrEqual(201);
  });
});

describe("the log", () => {
  it("holds no token or secret", () => {
    expect(leakedLines()).toEqual([]);
  });
});
