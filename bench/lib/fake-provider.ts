/**
 * A tiny OpenID provider on loopback whose answers the caller controls, for what a real provider never
 * does: expired or future-dated tokens, missing claims, odd audiences, foreign keys, and a provider that
 * is down, slow, failing or answering nonsense. It signs its own tokens (RS256, a key generated here)
 * and counts the requests it receives per path. The tests (through test/support/fake-provider.ts) and
 * the soak use it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTHeaderParameters,
  SignJWT,
} from "jose";

/**
 * `down` drops the connection, `slow` answers after `slowMs`, `stall` sends the headers and half the
 * body and then nothing, `redirect` points elsewhere; the others answer at once.
 */
export type FakeMode = "ok" | "down" | "slow" | "stall" | "status500" | "badjson" | "emptykeys" | "redirect";

export const FAKE_AUDIENCE = "ocient-client";

export interface FakeProviderOptions {
  /** How every endpoint answers (default "ok"); `modes` overrides it per path. */
  mode?: FakeMode;
  /** Clock of the tokens `sign` issues by default (ms since the epoch; default Date.now). */
  now?: () => number;
  /** How long "slow" waits before answering (ms, default 2000). */
  slowMs?: number;
}

export interface FakeProvider {
  /** `http://127.0.0.1:PORT`, the `iss` of its tokens. */
  issuer: string;
  jwksUri: string;
  introspectionEndpoint: string;
  userinfoEndpoint: string;
  introspection: { clientId: string; clientSecret: string };
  /** The kid of the key it signs with (published in its JWKS); changes with `rotate`. */
  readonly kid: string;
  /** Default mode; change it at any time. */
  mode: FakeMode;
  /** Per-path modes (e.g. "/jwks"), winning over `mode`. */
  modes: Map<string, FakeMode>;
  /** Introspection and userinfo answers by token; an unknown token is inactive (401 at userinfo). */
  opaque: Map<string, Record<string, unknown>>;
  /** Requests received, per path. */
  requests: Map<string, number>;
  totalRequests(): number;
  /** TCP connections accepted, including any that never sent a request. */
  connections(): number;
  /**
   * Replaces the signing key with a new one under a new kid; the key set then publishes only the new
   * key (`keepOld`: both). Returns the new kid.
   */
  rotate(options?: { keepOld?: boolean }): Promise<string>;
  /**
   * A token signed with the provider's key. Claims default to a valid id_token for alice
   * (iss, aud, sub, preferred_username, email_verified, iat = now, exp = now + 3600); a claim set to
   * `undefined` is left out. The header defaults to `{ alg: "RS256", kid, typ: "JWT" }`.
   */
  sign(claims?: Record<string, unknown>, header?: Partial<JWTHeaderParameters>): Promise<string>;
  /** The same, signed by a key that is not in the provider's key set (keeps the provider's kid unless given). */
  signWithForeignKey(
    claims?: Record<string, unknown>,
    header?: Partial<JWTHeaderParameters>,
  ): Promise<string>;
  /** Seconds since the epoch on the provider's clock. */
  nowSeconds(): number;
  close(): Promise<void>;
}

const PATHS = {
  discovery: "/.well-known/openid-configuration",
  jwks: "/jwks",
  introspection: "/introspect",
  userinfo: "/userinfo",
};

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const now = options.now ?? Date.now;
  const slowMs = options.slowMs ?? 2000;
  const keyWithKid = async () => {
    const kid = `fake-${randomUUID()}`;
    const pair = await generateKeyPair("RS256", { extractable: true });
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
    return { kid, privateKey: pair.privateKey, jwk };
  };
  // RSA key generation dominates the start; both keys at once.
  const [first, foreign] = await Promise.all([keyWithKid(), generateKeyPair("RS256")]);
  let own = first;
  let published: JWK[] = [own.jwk];
  let connections = 0;
  const requests = new Map<string, number>();
  const opaque = new Map<string, Record<string, unknown>>();
  const modes = new Map<string, FakeMode>();
  const introspection = {
    clientId: "fake-introspector",
    clientSecret: randomBytes(16).toString("base64url"),
  };
  const timers = new Set<NodeJS.Timeout>();
  let issuer = "";

  const state = { mode: options.mode ?? ("ok" as FakeMode) };

  function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks).toString("utf8");
  }

  async function answer(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    switch (path) {
      case PATHS.discovery:
        return json(res, 200, {
          issuer,
          jwks_uri: `${issuer}${PATHS.jwks}`,
          introspection_endpoint: `${issuer}${PATHS.introspection}`,
          userinfo_endpoint: `${issuer}${PATHS.userinfo}`,
          id_token_signing_alg_values_supported: ["RS256"],
        });
      case PATHS.jwks:
        return json(res, 200, { keys: published });
      case PATHS.introspection: {
        const form = new URLSearchParams(await readBody(req));
        const info = opaque.get(form.get("token") ?? "");
        return json(res, 200, info ? { active: true, ...info } : { active: false });
      }
      case PATHS.userinfo: {
        const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
        const info = opaque.get(token);
        if (!info) return json(res, 401, { error: "invalid_token" });
        return json(res, 200, info);
      }
      default:
        return json(res, 404, { error: "not_found" });
    }
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const mode = modes.get(path) ?? state.mode;
    switch (mode) {
      case "down":
        req.socket.destroy();
        return;
      case "slow": {
        const timer = setTimeout(() => {
          timers.delete(timer);
          // The client may have given up meanwhile (its timeout): reading its body then fails.
          answer(path, req, res).catch(() => res.destroy());
        }, slowMs);
        timers.add(timer);
        return;
      }
      case "stall":
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"keys": [');
        return;
      case "status500":
        return json(res, 500, { error: "server_error" });
      case "badjson":
        res.writeHead(200, { "content-type": "application/json" }).end("{ this is not json");
        return;
      case "emptykeys":
        if (path === PATHS.jwks) return json(res, 200, { keys: [] });
        return void answer(path, req, res);
      case "redirect":
        res.writeHead(302, { location: `http://127.0.0.1:1${path}` }).end();
        return;
      default:
        return void answer(path, req, res).catch(() => res.destroy());
    }
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const nowSeconds = () => Math.floor(now() / 1000);

  function claimsOf(claims: Record<string, unknown>): Record<string, unknown> {
    const iat = nowSeconds();
    const merged: Record<string, unknown> = {
      iss: issuer,
      aud: FAKE_AUDIENCE,
      sub: "alice",
      preferred_username: "alice",
      email_verified: true,
      iat,
      exp: iat + 3600,
      ...claims,
    };
    for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
    return merged;
  }

  async function signWith(
    key: CryptoKey,
    claims: Record<string, unknown>,
    header: Partial<JWTHeaderParameters>,
  ): Promise<string> {
    const protectedHeader = { alg: "RS256", kid: own.kid, typ: "JWT", ...header } as JWTHeaderParameters;
    for (const [k, v] of Object.entries(protectedHeader))
      if (v === undefined) delete (protectedHeader as Record<string, unknown>)[k];
    return new SignJWT(claimsOf(claims)).setProtectedHeader(protectedHeader).sign(key);
  }

  return {
    issuer,
    jwksUri: `${issuer}${PATHS.jwks}`,
    introspectionEndpoint: `${issuer}${PATHS.introspection}`,
    userinfoEndpoint: `${issuer}${PATHS.userinfo}`,
    introspection,
    get kid() {
      return own.kid;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode: FakeMode) {
      state.mode = mode;
    },
    modes,
    opaque,
    requests,
    totalRequests: () => [...requests.values()].reduce((a, b) => a + b, 0),
    connections: () => connections,
    async rotate(rotateOptions = {}) {
      own = await keyWithKid();
      published = rotateOptions.keepOld ? [...published, own.jwk] : [own.jwk];
      return own.kid;
    },
    sign: (claims = {}, header = {}) => signWith(own.privateKey, claims, header),
    signWithForeignKey: (claims = {}, header = {}) => signWith(foreign.privateKey, claims, header),
    nowSeconds,
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
