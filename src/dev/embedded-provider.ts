// DEVELOPMENT ONLY. An in-process OpenID provider (oidc-provider) on loopback for `npm start`, the tests
// and the benchmark. It uses the provider's development interactions (any demo account signs in without a
// password), an in-memory store, and throwaway keys and secrets generated at start. Never use it in production.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIPv4 } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import { codeFlow, type GrantClient, type IssuedTokens } from "./code-flow.js";
import { type DemoAccount, demoAccounts } from "./demo-accounts.js";
import { completeDeviceFlow, type DeviceDecision } from "./device-flow.js";
import { createMemoryAdapter } from "./memory-adapter.js";

export type { IssuedTokens } from "./code-flow.js";
export { type DemoAccount, demoAccounts } from "./demo-accounts.js";

export interface EmbeddedProviderOptions {
  /** TCP port to listen on. Default 0: a random free port. */
  port?: number;
  /** Loopback address to listen on (127.x.x.x, ::1 or localhost). Default "127.0.0.1". */
  host?: string;
  /** Accounts that can sign in. Default: {@link demoAccounts}. */
  accounts?: DemoAccount[];
  /** Signature algorithm of id_tokens and JWT access tokens. Default "RS256". */
  idTokenSigningAlg?: "RS256" | "ES256";
  /** Lifetime of access tokens (opaque and JWT), in seconds. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of id_tokens, in seconds. Default 3600. */
  idTokenTtlSeconds?: number;
  /** `interval` of device authorization answers (RFC 8628 §3.2), in seconds. Default: none sent (clients wait 5 s). */
  deviceIntervalSeconds?: number;
  /**
   * Sent as every id_token's `auth_time` (seconds since the epoch), as a provider that misreports the
   * sign-in time does (some send 0). Default: the real sign-in time, sent only when a client asks for it.
   */
  authTime?: number;
}

export interface IssueTokensOptions {
  /** "jwt": an RFC 9068 access token for `apiResource`; "opaque": one for userinfo. Default "opaque". */
  accessToken?: "jwt" | "opaque";
  /** Requested scope. Default "openid profile email groups" (plus the API scope for a JWT access token). */
  scope?: string;
}

export interface EmbeddedProvider {
  /** Exactly the `iss` the provider puts in its tokens, e.g. http://127.0.0.1:PORT */
  issuer: string;
  jwksUri: string;
  discoveryUrl: string;
  introspectionEndpoint: string;
  userinfoEndpoint: string;
  /** "ocient-client": the audience of id_tokens. */
  clientId: string;
  /** Client credentials (client_secret_basic) accepted by the introspection endpoint (RFC 7662). */
  introspection: { clientId: string; clientSecret: string };
  /** Resource indicator (RFC 8707) whose access tokens are JWTs (RFC 9068): their `aud`. */
  apiResource: string;
  /**
   * The clients the service signs users in with (device grant and code flow), a confidential one and a
   * public one (PKCE). Native clients: any loopback port of their redirect URIs is accepted (RFC 8252 §7.3).
   */
  signIn: { clientId: string; clientSecret: string; publicClientId: string; redirectPaths: string[] };
  /** Confirms a device grant's user code and signs `accountId` in on the provider's own pages (or aborts). */
  completeDeviceFlow(
    verificationUriComplete: string,
    accountId: string,
    decision?: DeviceDecision,
  ): Promise<void>;
  /** Real tokens for an account, obtained through the authorization code flow over HTTP. */
  issueTokens(accountId: string, opts?: IssueTokensOptions): Promise<IssuedTokens>;
  /** Stops the server and drops every open connection. */
  close(): Promise<void>;
}

const CLIENT_ID = "ocient-client";
const INTROSPECTOR_ID = "ocient-sso-introspector";
const API_RESOURCE = "urn:ocient:sso";
const API_SCOPE = "ocient";
const OIDC_SCOPE = "openid profile email groups";
const SIGN_IN_CLIENT_ID = "ocient-sso";
const SIGN_IN_PUBLIC_CLIENT_ID = "ocient-sso-public";
const SIGN_IN_PATHS = ["/v1/callback", "/auth/callback"];
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;
interface TokenLike {
  accountId?: string;
  clientId?: string;
}
interface ClientLike {
  clientId: string;
}
interface ErrorContext {
  type: string;
  body: unknown;
}

export async function startEmbeddedProvider(opts: EmbeddedProviderOptions = {}): Promise<EmbeddedProvider> {
  const host = opts.host ?? "127.0.0.1";
  if (!isLoopback(host)) throw new TypeError(`options.host must be a loopback address, got ${host}`);
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError("options.port must be an integer from 0 to 65535");
  }
  const alg = opts.idTokenSigningAlg ?? "RS256";
  if (alg !== "RS256" && alg !== "ES256")
    throw new TypeError('options.idTokenSigningAlg must be "RS256" or "ES256"');
  const accessTtl = positiveInteger(opts.accessTokenTtlSeconds ?? 3600, "accessTokenTtlSeconds");
  const idTtl = positiveInteger(opts.idTokenTtlSeconds ?? 3600, "idTokenTtlSeconds");
  const accounts = new Map((opts.accounts ?? demoAccounts).map((account) => [account.sub, account]));

  let handler: Handler = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  try {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("server has no TCP address");
    const issuer = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
    const clientSecret = randomBytes(32).toString("base64url");
    const introspectionSecret = randomBytes(32).toString("base64url");
    const redirectUri = `${issuer}/demo-callback`;
    const signInSecret = randomBytes(32).toString("base64url");
    const signInRedirects = SIGN_IN_PATHS.flatMap((path) => [
      `http://127.0.0.1${path}`,
      `http://localhost${path}`,
    ]);
    const signInClient = {
      application_type: "native",
      redirect_uris: signInRedirects,
      grant_types: ["authorization_code", DEVICE_CODE_GRANT],
      response_types: ["code"],
      id_token_signed_response_alg: alg,
      require_auth_time: opts.authTime !== undefined,
    };

    const { default: Provider, errors } = await quietly(() => import("oidc-provider"));
    const configuration = {
      adapter: createMemoryAdapter(),
      jwks: { keys: [await signingKey("RS256"), await signingKey("ES256")] },
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: clientSecret,
          redirect_uris: [redirectUri],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_basic",
          id_token_signed_response_alg: alg,
          require_auth_time: opts.authTime !== undefined,
        },
        {
          ...signInClient,
          client_id: SIGN_IN_CLIENT_ID,
          client_secret: signInSecret,
          token_endpoint_auth_method: "client_secret_basic",
        },
        { ...signInClient, client_id: SIGN_IN_PUBLIC_CLIENT_ID, token_endpoint_auth_method: "none" },
        {
          client_id: INTROSPECTOR_ID,
          client_secret: introspectionSecret,
          redirect_uris: [],
          grant_types: [],
          response_types: [],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
      cookies: { keys: [randomBytes(32).toString("base64url")] },
      claims: {
        openid: ["sub"],
        profile: ["preferred_username", "name"],
        email: ["email", "email_verified"],
        groups: ["groups"],
      },
      // Put the scope's claims into the id_token itself, as the exchange service reads them from there.
      conformIdTokenClaims: false,
      ttl: {
        AccessToken: accessTtl,
        IdToken: idTtl,
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
        DeviceCode: 600,
      },
      async findAccount(_ctx: unknown, sub: string) {
        const account = accounts.get(sub);
        return account && { accountId: account.sub, claims: async () => userClaims(account) };
      },
      // Also lands in introspection responses of opaque tokens.
      async extraTokenClaims(_ctx: unknown, token: TokenLike) {
        const account = token.accountId === undefined ? undefined : accounts.get(token.accountId);
        if (account === undefined) return undefined;
        const { sub: _sub, ...claims } = userClaims(account);
        return claims;
      },
      features: {
        devInteractions: { enabled: true },
        deviceFlow: { enabled: true, ...devicePages },
        userinfo: { enabled: true },
        introspection: {
          enabled: true,
          async allowedPolicy(_ctx: unknown, client: ClientLike, token: TokenLike) {
            return client.clientId === INTROSPECTOR_ID || client.clientId === token.clientId;
          },
        },
        resourceIndicators: {
          enabled: true,
          async getResourceServerInfo(_ctx: unknown, resourceIndicator: string) {
            if (resourceIndicator !== API_RESOURCE) throw new errors.InvalidTarget();
            return {
              audience: API_RESOURCE,
              scope: API_SCOPE,
              accessTokenFormat: "jwt",
              accessTokenTTL: accessTtl,
              jwt: { sign: { alg } },
            };
          },
        },
      },
      clientBasedCORS: () => false,
      async renderError(ctx: ErrorContext, out: Record<string, string>) {
        ctx.type = "json";
        ctx.body = out;
      },
    };
    const provider = await quietly(async () => new Provider(issuer, configuration));
    const authTime = opts.authTime;
    if (authTime !== undefined) {
      // The session's sign-in time is what oidc-provider puts in codes and id_tokens; this provider's own class.
      provider.Session.prototype.authTime = () => authTime;
    }
    const interval = opts.deviceIntervalSeconds;
    if (interval !== undefined) {
      positiveInteger(interval, "deviceIntervalSeconds");
      provider.on("device_authorization.success", (_ctx: unknown, body: Record<string, unknown>) => {
        body.interval = interval;
      });
    }
    handler = provider.callback();

    const client: GrantClient = {
      authorizationEndpoint: provider.urlFor("authorization"),
      tokenEndpoint: provider.urlFor("token"),
      clientId: CLIENT_ID,
      clientSecret,
      redirectUri,
    };
    return {
      issuer,
      jwksUri: provider.urlFor("jwks"),
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      introspectionEndpoint: provider.urlFor("introspection"),
      userinfoEndpoint: provider.urlFor("userinfo"),
      clientId: CLIENT_ID,
      introspection: { clientId: INTROSPECTOR_ID, clientSecret: introspectionSecret },
      apiResource: API_RESOURCE,
      signIn: {
        clientId: SIGN_IN_CLIENT_ID,
        clientSecret: signInSecret,
        publicClientId: SIGN_IN_PUBLIC_CLIENT_ID,
        redirectPaths: SIGN_IN_PATHS,
      },
      completeDeviceFlow,
      async issueTokens(accountId, issueOpts = {}) {
        if (!accounts.has(accountId)) throw new Error(`unknown demo account: ${accountId}`);
        const jwt = issueOpts.accessToken === "jwt";
        return codeFlow(client, accountId, {
          scope: issueOpts.scope ?? (jwt ? `${OIDC_SCOPE} ${API_SCOPE}` : OIDC_SCOPE),
          ...(jwt ? { resource: API_RESOURCE } : {}),
        });
      },
      close: () => closeServer(server),
    };
  } catch (error) {
    await closeServer(server);
    throw error;
  }
}

/** Plain device pages, so they load nothing from off this machine (the defaults import a web font). */
const devicePages = {
  async userCodeInputSource(ctx: { body: unknown }, form: string, _out: unknown, err: unknown) {
    ctx.body = page(
      "Sign-in",
      `<p>${message(err)}</p>${form}<button type="submit" form="op.deviceInputForm">Continue</button>`,
    );
  },
  async userCodeConfirmSource(
    ctx: { body: unknown },
    form: string,
    _client: unknown,
    _info: unknown,
    userCode: string,
  ) {
    ctx.body = page(
      "Confirm Device",
      `<p>The code shown on your device: <code>${userCode}</code></p>${form}<button autofocus type="submit" form="op.deviceConfirmForm">Continue</button><button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button>`,
    );
  },
  async successSource(ctx: { body: unknown }) {
    ctx.body = page("Sign-in Success", "<p>Your device is signed in; you can close this page.</p>");
  },
};

function message(err: unknown): string {
  if (!err) return "Enter the code shown on your device";
  return (err as Error).name === "AbortedError"
    ? "The sign-in was interrupted"
    : "The code is not valid. Try again";
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
}

function userClaims(account: DemoAccount): Record<string, unknown> {
  return {
    sub: account.sub,
    preferred_username: account.preferred_username,
    ...(account.name === undefined ? {} : { name: account.name }),
    email: account.email,
    email_verified: account.email_verified,
    groups: account.groups,
  };
}

async function signingKey(alg: "RS256" | "ES256"): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return {
    ...(await exportJWK(privateKey)),
    kid: `dev-${alg.toLowerCase()}-${randomUUID()}`,
    alg,
    use: "sig",
  };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIPv4(host) && host.startsWith("127."));
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new TypeError(`options.${name} must be a positive integer`);
  return value;
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  if (!server.listening) return Promise.resolve();
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
  server.closeAllConnections();
  return closed;
}

// oidc-provider announces its development defaults (and an unsupported Node version) on the console;
// the caller (`npm start`) prints its own development-only warning, so those notices are dropped here.
let quietDepth = 0;
let original = { warn: console.warn, info: console.info };
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  if (quietDepth++ === 0) {
    original = { warn: console.warn, info: console.info };
    console.warn = dropProviderNotices(original.warn);
    console.info = dropProviderNotices(original.info);
  }
  try {
    return await fn();
  } finally {
    if (--quietDepth === 0) {
      console.warn = original.warn;
      console.info = original.info;
    }
  }
}
function dropProviderNotices(log: (...args: unknown[]) => void): (...args: unknown[]) => void {
  return (...args) => {
    if (typeof args[0] === "string" && /oidc-provider (WARNING|NOTICE):/.test(args[0])) return;
    log(...args);
  };
}
