/**
 * RFC 8693 at POST /oauth2/token, driven by an independent standard client (panva's openid-client,
 * its generic grant request with the token-exchange grant), against the GitHub recipe of
 * docs/workloads.md: the second door of the one exchange core. The minted token verifies against the
 * key set the service publishes (jose's createRemoteJWKSet, found through the service's discovery).
 */
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { rememberToken } from "../support/log-collector.js";
import { lastAudit, type RecipeServer, startRecipe } from "../support/recipes.js";
import { githubClaims } from "../support/workload-tokens.js";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
const JWT = "urn:ietf:params:oauth:token-type:jwt";
const DB = "retail_analytics";
const now = () => Math.floor(Date.now() / 1000);

let provider: FakeProvider;
let server: RecipeServer;
let config: client.Configuration;

beforeAll(async () => {
  provider = await startFakeProvider();
  server = await startRecipe("github", provider);
  config = await client.discovery(new URL(server.url), "ci-workflow", undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
});
afterAll(async () => {
  await server?.close();
  await provider?.close();
});

async function exchange(subjectToken: string, params: Record<string, string> = {}) {
  rememberToken(subjectToken);
  const answer = await client.genericGrantRequest(config, TOKEN_EXCHANGE, {
    subject_token: subjectToken,
    subject_token_type: ID_TOKEN,
    audience: DB,
    ...params,
  });
  rememberToken(answer.access_token);
  return answer;
}

/** What openid-client throws for an OAuth error answer: its `error`, status and whole body. */
async function refusal(
  promise: Promise<unknown>,
): Promise<{ error: unknown; status: unknown; body: unknown }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof client.ResponseBodyError)
      return { error: err.error, status: err.status, body: err.cause };
    throw err;
  }
  throw new Error("the exchange was not refused");
}

/** A form POST as a plain client sends it, for what openid-client will not send. */
async function post(body: string, contentType = "application/x-www-form-urlencoded") {
  const response = await fetch(`${server.url}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  return {
    status: response.status,
    json: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

describe("POST /oauth2/token with openid-client", () => {
  it("is the token endpoint of the service's discovery document", () => {
    expect(config.serverMetadata().token_endpoint).toBe(`${server.url}/oauth2/token`);
    expect(config.serverMetadata().grant_types_supported).toEqual([TOKEN_EXCHANGE]);
  });

  it.each([ID_TOKEN, JWT])(
    "mints (subject_token_type %s) a token that verifies against the published keys",
    async (type) => {
      const answer = await exchange(await provider.sign(githubClaims(now())), { subject_token_type: type });
      expect(answer).toMatchObject({
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        token_type: "bearer",
      });
      expect(answer.expires_in).toBeGreaterThan(0);
      const metadata = config.serverMetadata();
      const keys = createRemoteJWKSet(new URL(metadata.jwks_uri ?? ""));
      const { payload, protectedHeader } = await jwtVerify(answer.access_token, keys, {
        issuer: metadata.issuer,
        typ: "at+jwt",
      });
      expect(payload).toMatchObject({
        sub: "gh-deployer",
        idp: "github",
        binding: "deploy-main",
        database: DB,
      });
      expect(protectedHeader.alg).toBe("ES256");
      expect(lastAudit(server.logs)).toMatchObject({
        event: "exchange",
        outcome: "minted",
        binding: "deploy-main",
        path: "/oauth2/token",
      });
    },
  );

  it("refuses as /v1/sso_token does, in RFC 6749 §5.2's shape with the Ocient status alongside", async () => {
    const cases: [string, Record<string, unknown>, string, number, string][] = [
      ["another branch (no binding)", { ref: "refs/heads/feature" }, "invalid_target", -1251, "binding"],
      [
        "an expired token",
        { exp: now() - 3600, iat: now() - 7200, nbf: now() - 7200 },
        "invalid_grant",
        -1228,
        "",
      ],
    ];
    for (const [name, change, error, vendorCode, rule] of cases) {
      const token = await provider.sign({ ...githubClaims(now()), ...change });
      const viaOAuth = await refusal(exchange(token));
      expect({ name, error: viaOAuth.error, status: viaOAuth.status }).toEqual({ name, error, status: 400 });
      expect(viaOAuth.body).toMatchObject({ status: { vendor_code: vendorCode } });
      if (rule) expect(lastAudit(server.logs)).toMatchObject({ rule, vendor_code: vendorCode });
      const viaOcient = await server.post({ database: DB, id_token: token });
      expect(viaOcient.json?.status?.vendor_code).toBe(vendorCode);
    }
  });

  it("refuses a second use of a deploy-main token (the binding's replay: once) as invalid_grant", async () => {
    const token = await provider.sign(githubClaims(now()));
    await exchange(token);
    expect((await refusal(exchange(token))).error).toBe("invalid_grant");
  });

  it("answers the request's own mistakes with their OAuth codes and no WWW-Authenticate", async () => {
    const token = await provider.sign(githubClaims(now()));
    rememberToken(token);
    const form = (params: Record<string, string>) =>
      new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: token,
        subject_token_type: ID_TOKEN,
        audience: DB,
        ...params,
      }).toString();
    const cases: [string, string, string | undefined, number, string][] = [
      [
        "another grant type",
        form({ grant_type: "client_credentials" }),
        undefined,
        400,
        "unsupported_grant_type",
      ],
      ["no audience", form({ audience: "" }), undefined, 400, "invalid_request"],
      [
        "a resource",
        `${form({})}&resource=${encodeURIComponent("https://db.example.com")}`,
        undefined,
        400,
        "invalid_target",
      ],
      [
        "an unknown subject_token_type",
        form({ subject_token_type: "urn:x:saml" }),
        undefined,
        400,
        "invalid_request",
      ],
      ["a repeated parameter", `${form({})}&audience=other`, undefined, 400, "invalid_request"],
      [
        "a JSON body",
        JSON.stringify({ grant_type: TOKEN_EXCHANGE }),
        "application/json",
        415,
        "invalid_request",
      ],
    ];
    for (const [name, body, contentType, status, error] of cases) {
      const answer = await post(body, contentType);
      expect({ name, status: answer.status, error: answer.json.error }).toEqual({ name, status, error });
      expect(answer.json).toMatchObject({
        error_description: expect.any(String),
        status: { vendor_code: -1254 },
      });
      expect(answer.headers.get("www-authenticate")).toBeNull();
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(JSON.stringify(answer.json)).not.toContain(token.slice(-20));
    }
  });
});
