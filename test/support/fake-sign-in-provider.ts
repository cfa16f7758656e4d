/**
 * A hostile or odd OpenID provider for sign-in, on loopback, whose device and token endpoints answer as
 * the test says: what the real provider never does (slow_down forever, a token endpoint that hangs, an
 * id_token without the nonce or with another one). It signs its id_tokens with its own RS256 key, counts
 * requests per path, and hands out device codes the test knows, so it can check they never leak.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { rememberSecret } from "./log-collector.js";

export const FAKE_SIGN_IN_CLIENT = "ocient-sso";

/**
 * `tokens` answers with an id_token (claims from `idTokenClaims`), `hang` never answers, the others are
 * the RFC 6749 / RFC 8628 error codes.
 */
export type TokenMode =
  | "tokens"
  | "hang"
  | "authorization_pending"
  | "slow_down"
  | "access_denied"
  | "expired_token"
  | "invalid_grant";

export interface FakeSignInOptions {
  /** Offer a device_authorization_endpoint in discovery (default true). */
  device?: boolean;
  /** Discovery says `authorization_response_iss_parameter_supported` (default true). */
  issInResponse?: boolean;
  /** `interval` of the device authorization answer (default 1). */
  interval?: number;
}

export interface FakeSignInProvider {
  issuer: string;
  clientSecret: string;
  tokenMode: TokenMode;
  /** Claims merged into the next id_tokens (e.g. `nonce`); `undefined` leaves a claim out. */
  idTokenClaims: Record<string, unknown>;
  /** Device codes handed out so far. */
  deviceCodes: string[];
  requests: Map<string, number>;
  close(): Promise<void>;
}

export async function startFakeSignInProvider(options: FakeSignInOptions = {}): Promise<FakeSignInProvider> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `fake-sign-in-${randomBytes(4).toString("hex")}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const clientSecret = randomBytes(24).toString("base64url");
  rememberSecret(clientSecret);
  const hanging = new Set<ServerResponse>();
  let issuer = "";
  const state: FakeSignInProvider = {
    issuer: "",
    clientSecret,
    tokenMode: "authorization_pending",
    idTokenClaims: {},
    deviceCodes: [],
    requests: new Map(),
    close: async () => {},
  };

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  async function idToken(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: issuer,
      aud: FAKE_SIGN_IN_CLIENT,
      sub: "alice",
      preferred_username: "alice",
      iat: now,
      exp: now + 600,
      ...state.idTokenClaims,
    };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid, typ: "JWT" }).sign(privateKey);
  }

  async function answer(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    for await (const _ of req as AsyncIterable<Buffer>);
    switch (path) {
      case "/.well-known/openid-configuration":
        return json(res, 200, {
          issuer,
          jwks_uri: `${issuer}/jwks`,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
          ...(options.device !== false && { device_authorization_endpoint: `${issuer}/device/auth` }),
          code_challenge_methods_supported: ["S256"],
          authorization_response_iss_parameter_supported: options.issInResponse !== false,
        });
      case "/jwks":
        return json(res, 200, { keys: [jwk] });
      case "/device/auth": {
        const deviceCode = randomBytes(24).toString("base64url");
        rememberSecret(deviceCode);
        state.deviceCodes.push(deviceCode);
        const userCode = randomBytes(4).toString("hex").toUpperCase();
        return json(res, 200, {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: `${issuer}/device`,
          verification_uri_complete: `${issuer}/device?user_code=${userCode}`,
          expires_in: 600,
          interval: options.interval ?? 1,
        });
      }
      case "/token":
        switch (state.tokenMode) {
          case "hang":
            hanging.add(res);
            return;
          case "tokens":
            return json(res, 200, { id_token: await idToken(), access_token: "x", token_type: "Bearer" });
          default:
            return json(res, 400, { error: state.tokenMode });
        }
      default:
        return json(res, 404, { error: "not_found" });
    }
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    state.requests.set(path, (state.requests.get(path) ?? 0) + 1);
    answer(path, req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.issuer = issuer;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}
