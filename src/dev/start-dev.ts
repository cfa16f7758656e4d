/**
 * DEVELOPMENT ONLY: `npm start`. The embedded OpenID provider and the service trusting it, both on
 * 127.0.0.1, with a demo database and a fresh demo token; nothing to configure. Throwaway signing keys,
 * demo accounts that sign in without a password, plain HTTP.
 */

import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
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
  /** A device grant already started from this machine (127.0.0.1, as a pasted curl is), for the walk-through. */
  device: { userCode: string; verificationUriComplete: string; expiresIn: number };
  /** Opening this URL in a browser starts the browser flow (see startBrowserLauncher). */
  browserSignInUrl: string;
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
  // Nothing to set up: unlike serve, development mode makes the directory of its throwaway keys.
  await mkdir(dirname(keysFile), { recursive: true, mode: 0o700 });
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
  let launcher: Server;
  let device: DevEnvironment["device"];
  try {
    device = await startDeviceGrant(server.url);
    launcher = await startBrowserLauncher(server.url);
  } catch (err) {
    await server.close();
    await provider.close();
    throw err;
  }
  const browserSignInUrl = `http://${HOST}:${(launcher.address() as AddressInfo).port}/`;
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
    device,
    browserSignInUrl,
    async close() {
      await new Promise<void>((resolve) => {
        launcher.close(() => resolve());
        launcher.closeAllConnections();
      });
      await server.close();
      await provider.close();
    },
  };
}

const JSON_HEADERS = { "content-type": "application/json" };

/** Starts a device grant for the demo database, as the printed curl would. */
async function startDeviceGrant(url: string): Promise<DevEnvironment["device"]> {
  const response = await fetch(`${url}/v1/sso_device_grant`, {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify({ database: DEMO_DATABASE }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200)
    throw new Error(`development mode: the device grant failed (${response.status})`);
  return {
    userCode: String(body.user_code),
    verificationUriComplete: String(body.verification_uri_complete),
    expiresIn: Number(body.expires_in),
  };
}

/**
 * A browser cannot POST JSON from its address bar, so development mode serves one URL that does it: each
 * visit calls sso_authentication (do_redirect false) and sends the browser on to the provider with the
 * binding cookie the service set. Cookies belong to a host, not a port, so the service's callback on
 * 127.0.0.1 receives it.
 */
async function startBrowserLauncher(url: string): Promise<Server> {
  const launcher = createServer((_req, res) => {
    fetch(`${url}/v1/sso_authentication`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ database: DEMO_DATABASE, do_redirect: false }),
    })
      .then(async (response) => {
        const body = (await response.json()) as { redirect_url?: string };
        if (response.status !== 200 || body.redirect_url === undefined) {
          res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify(body));
          return;
        }
        res
          .writeHead(302, {
            location: body.redirect_url,
            "set-cookie": response.headers.getSetCookie(),
            "cache-control": "no-store",
          })
          .end();
      })
      .catch(() => res.writeHead(502).end());
  });
  await new Promise<void>((resolve, reject) => {
    launcher.once("error", reject);
    launcher.listen(0, HOST, () => resolve());
  });
  return launcher;
}

const RULE = "=".repeat(78);

/** What `npm start` prints: the warning, what runs where, a demo token and ready-to-run exchanges. */
export function devBanner(env: DevEnvironment): string {
  const { url, provider, config, demo, device } = env;
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

Sign in without a token, with the device grant (RFC 8628). One is started for you; open
${device.verificationUriComplete}
sign in as ${demo.account} (any password), then within ${Math.floor(device.expiresIn / 60)} minutes:
curl -X POST ${url}/v1/sso_device_grant_verify -H "Content-Type: application/json" -d '{"user_code": "${device.userCode}", "database": "${demo.database}", "timeout": 60}'

A new one starts with:
curl -X POST ${url}/v1/sso_device_grant -H "Content-Type: application/json" -d '{"database": "${demo.database}"}'

Sign in with the browser flow: open ${env.browserSignInUrl}

Press Ctrl-C to stop.
`;
}
