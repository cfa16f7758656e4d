/**
 * DEVELOPMENT ONLY: `npm start`. The embedded OpenID provider and the service trusting it, both on
 * 127.0.0.1, with a demo database and a fresh demo token; nothing to configure. Throwaway signing keys,
 * demo accounts that sign in without a password, plain HTTP.
 */

import { parseConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../server/logger.js";
import { type RunningServer, startServer } from "../server/serve.js";
import { devIntegration } from "./dev-integration.js";
import { demoAccounts, type EmbeddedProvider, startEmbeddedProvider } from "./embedded-provider.js";

const HOST = "127.0.0.1";
export const DEMO_ACCOUNT = "alice";
export const DEMO_DATABASE = "retail_analytics";

export interface DevOptions {
  /** Port of the service. Default 8080; 0 picks a free one. */
  port?: number;
  /** Port of the embedded provider. Default 0: a free one. */
  providerPort?: number;
  /** The throwaway signing-key file. Default ./data/dev-signing-keys.json (created when missing). */
  keysFile?: string;
  /** Default: the service's own logger at info. */
  logger?: Logger;
}

export interface DevEnvironment {
  /** Base URL of the service, also the `iss` of the tokens it mints. */
  url: string;
  provider: EmbeddedProvider;
  server: RunningServer;
  config: Config;
  /** A fresh id_token of the demo account, for the printed examples. */
  demo: { account: string; database: string; idToken: string; expiresIn: number };
  /** Stops the service (in-flight requests finish), then the provider. */
  close(): Promise<void>;
}

/** The service port is already taken. */
export class DevPortInUse extends Error {
  readonly code = "ERR_DEV_PORT_IN_USE";
  constructor(readonly port: number) {
    super(
      `port ${port} on ${HOST} is already in use: pass another one, e.g. "npm start -- --port 8081" or "--port 0" for any free port`,
    );
  }
}

function devConfig(provider: EmbeddedProvider, issuer: string, port: number, keysFile: string): Config {
  return parseConfig(
    {
      server: { host: HOST, port, log_level: "info" },
      token: { issuer, keys_file: keysFile },
      integrations: [devIntegration(provider)],
      databases: { system: { integration: "dev" }, [DEMO_DATABASE]: { groups: ["analysts"] } },
    },
    "(development mode)",
  );
}

export async function startDev(options: DevOptions = {}): Promise<DevEnvironment> {
  const port = options.port ?? 8080;
  const keysFile = options.keysFile ?? "./data/dev-signing-keys.json";
  const provider = await startEmbeddedProvider({ host: HOST, port: options.providerPort ?? 0 });
  let server: RunningServer;
  let config: Config;
  try {
    // The issuer is the service's own URL; with port 0 it is known only once listening, so the
    // service starts with a provisional issuer and swaps in the real one before anyone can call it.
    config = devConfig(provider, `http://${HOST}:${port || 8080}`, port, keysFile);
    server = await startServer(config, { logger: options.logger });
    if (port === 0) {
      config = devConfig(provider, server.url, port, keysFile);
      await server.reload(config);
    }
  } catch (err) {
    await provider.close();
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new DevPortInUse(port);
    throw err;
  }
  const issued = await provider.issueTokens(DEMO_ACCOUNT);
  return {
    url: server.url,
    provider,
    server,
    config,
    demo: {
      account: DEMO_ACCOUNT,
      database: DEMO_DATABASE,
      idToken: issued.id_token,
      expiresIn: issued.expires_in,
    },
    async close() {
      await server.close();
      await provider.close();
    },
  };
}

const RULE = "=".repeat(78);

/** What `npm start` prints: the warning, what runs where, a demo token and ready-to-run exchanges. */
export function devBanner(env: DevEnvironment): string {
  const { url, provider, config, demo } = env;
  const accounts = demoAccounts
    .map((a) => `${a.preferred_username}${a.groups.length ? ` [${a.groups.join(", ")}]` : ""}`)
    .join(", ");
  // A JWS and a database name need no JSON escaping.
  const body = `{"id_token": "${demo.idToken}", "database": "${demo.database}"}`;
  return `
${RULE}
  WARNING: DEVELOPMENT MODE. NOT FOR PRODUCTION.
  - an embedded OpenID provider whose demo accounts sign in without a password
  - throwaway signing keys in ${config.token.keys_file}
  - plain HTTP on loopback, no TLS
  Use "ocient-sso serve --config FILE" with your own provider in production.
${RULE}

ocient-sso (development)   ${url}
embedded OpenID provider   ${provider.issuer}   accounts: ${accounts}
databases                  system -> integration "dev"; ${demo.database} -> group analysts

Demo id_token for ${demo.account} (valid ${demo.expiresIn} s):
${demo.idToken}

Exchange it with curl:
curl -X POST ${url}/v1/sso_token -H "Content-Type: application/json" -d '${body}'

or with the CLI:
npx ocient-sso exchange --url ${url} --database ${demo.database} --id-token ${demo.idToken}

or with the typed client:
import { createSsoClient } from "ocient-sso/client";
const sso = createSsoClient({ baseUrl: "${url}" });
const { token } = await sso.exchange({ database: "${demo.database}", idToken: process.env.ID_TOKEN });

Press Ctrl-C to stop.
`;
}
