/**
 * DEVELOPMENT ONLY: `npm start`. The embedded OpenID provider and the service trusting it, both on
 * 127.0.0.1, with a demo database and a fresh demo token; nothing to configure. Throwaway signing keys,
 * demo accounts that sign in without a password, plain HTTP.
 */

import { chmod, mkdir, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import type { DevShape } from "../config/dev-shape.js";
import { parseConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../server/logger.js";
import { type RunningServer, startServer } from "../server/serve.js";
import { devIntegration } from "./dev-integration.js";
import { startLauncher } from "./dev-launcher.js";
import {
  type DemoAccount,
  demoAccounts,
  type EmbeddedProvider,
  startEmbeddedProvider,
} from "./embedded-provider.js";

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
  /** Port of the browser sign-in launcher and `dev token` (dev-launcher.ts). Default 0: a free one. */
  browserPort?: number;
  /** Users, groups and databases (default: the demo accounts and retail_analytics for analysts). */
  shape?: DevShape;
  /**
   * Where `ocient-sso dev token` finds this environment (the launcher's URL), written 0600 on start.
   * Default ./data/dev-environment.json.
   */
  environmentFile?: string;
  /** Default: the service's own logger at info. */
  logger?: Logger;
}

/** What `ocient-sso dev token` reads to reach a running development mode. */
export interface DevEnvironmentFile {
  url: string;
  launcher: string;
}

export interface DevEnvironment {
  /** Base URL of the service, also the `iss` of the tokens it mints. */
  url: string;
  provider: EmbeddedProvider;
  server: RunningServer;
  config: Config;
  /** The provider's accounts. */
  accounts: DemoAccount[];
  /** The file `ocient-sso dev token` reads. */
  environmentFile: string;
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

type Databases = NonNullable<DevShape["databases"]>;

function devConfig(
  provider: EmbeddedProvider,
  databases: Databases,
  issuer: string,
  port: number,
  keysFile: string,
): Config {
  return parseConfig(
    {
      server: { host: HOST, port, log_level: "info" },
      token: { issuer, keys_file: keysFile },
      integrations: [devIntegration(provider)],
      databases: { ...databases, system: { ...databases.system, integration: "dev" } },
    },
    "(development mode)",
  );
}

function accountsOf(shape: DevShape | undefined): DemoAccount[] {
  if (shape?.users === undefined) return demoAccounts;
  return Object.entries(shape.users).map(([name, groups]) => ({
    sub: name,
    preferred_username: name,
    email: `${name}@example.com`,
    email_verified: true,
    groups,
  }));
}

async function writeEnvironmentFile(file: string, content: DevEnvironmentFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function startDev(options: DevOptions = {}): Promise<DevEnvironment> {
  const port = options.port ?? 8080;
  const keysFile = options.keysFile ?? "./data/dev-signing-keys.json";
  const environmentFile = options.environmentFile ?? "./data/dev-environment.json";
  const accounts = accountsOf(options.shape);
  const databases: Databases = options.shape?.databases ?? {
    [DEMO_DATABASE]: { users: [], groups: ["analysts"] },
  };
  const demoAccount = accounts[0]?.sub ?? DEMO_ACCOUNT;
  const demoDatabase = Object.keys(databases).find((d) => d !== "system") ?? "system";
  // Nothing to set up: unlike serve, development mode makes the directory of its throwaway keys.
  await mkdir(dirname(keysFile), { recursive: true, mode: 0o700 });
  const provider = await startEmbeddedProvider({ host: HOST, port: options.providerPort ?? 0, accounts });
  let server: RunningServer;
  let config: Config;
  try {
    // The issuer is the service's own URL; with port 0 it is known only once listening, so the
    // service starts with a provisional issuer and swaps in the real one before anyone can call it.
    config = devConfig(provider, databases, `http://${HOST}:${port || 8080}`, port, keysFile);
    server = await startServer(config, { logger: options.logger });
    if (port === 0) {
      config = devConfig(provider, databases, server.url, port, keysFile);
      await server.reload(config);
    }
  } catch (err) {
    await provider.close();
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new DevPortInUse(port);
    throw err;
  }
  let launcher: Server;
  let device: DevEnvironment["device"];
  let issued: Awaited<ReturnType<EmbeddedProvider["issueTokens"]>>;
  try {
    issued = await provider.issueTokens(demoAccount);
    device = await startDeviceGrant(server.url, demoDatabase);
    launcher = await startLauncher({
      url: server.url,
      database: demoDatabase,
      provider,
      accounts: accounts.map((a) => a.sub),
      host: HOST,
      port: options.browserPort ?? 0,
    });
    const launcherUrl = `http://${HOST}:${(launcher.address() as AddressInfo).port}`;
    await writeEnvironmentFile(environmentFile, { url: server.url, launcher: launcherUrl });
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
    accounts,
    environmentFile,
    demo: {
      account: demoAccount,
      database: demoDatabase,
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
async function startDeviceGrant(url: string, database: string): Promise<DevEnvironment["device"]> {
  const response = await fetch(`${url}/v1/sso_device_grant`, {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify({ database }),
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
