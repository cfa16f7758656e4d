/**
 * Bench target: the peer. oidc-provider's own token endpoint issuing RFC 9068 JWT access tokens to a
 * client-credentials client (client_secret_basic) for one resource indicator, signed ES256 as the
 * service signs its own tokens. Argument: JSON `{ port, client_id, client_secret, resource, scope }`.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { errors } from "oidc-provider";
import { createMemoryAdapter } from "../../src/dev/memory-adapter.js";
import { announce, portFrom, serveUntilStopped } from "./lifecycle.js";

interface PeerOptions {
  port: number;
  client_id: string;
  client_secret: string;
  resource: string;
  scope: string;
}

const options = JSON.parse(process.argv[2] ?? "{}") as PeerOptions;
const port = portFrom(String(options.port));
const issuer = `http://127.0.0.1:${port}`;

async function privateJwk(alg: "RS256" | "ES256"): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `peer-${alg.toLowerCase()}`, alg, use: "sig" };
}

const provider = new Provider(issuer, {
  adapter: createMemoryAdapter(),
  // RS256 is there because oidc-provider wants one for id_tokens; access tokens are ES256.
  jwks: { keys: [await privateJwk("ES256"), await privateJwk("RS256")] },
  clients: [
    {
      client_id: options.client_id,
      client_secret: options.client_secret,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  cookies: { keys: [randomBytes(32).toString("base64url")] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      async getResourceServerInfo(_ctx: unknown, resourceIndicator: string) {
        if (resourceIndicator !== options.resource) throw new errors.InvalidTarget();
        return {
          audience: options.resource,
          scope: options.scope,
          accessTokenFormat: "jwt",
          accessTokenTTL: 3600,
          jwt: { sign: { alg: "ES256" } },
        };
      },
    },
  },
});

const server = createServer(provider.callback());
await serveUntilStopped(server, port);
announce({ ready: issuer, token_endpoint: provider.urlFor("token") });
