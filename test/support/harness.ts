/**
 * The real service in-process against the embedded OpenID provider, both on 127.0.0.1 with port 0, a
 * throwaway signing-key file and every log line captured. Start one per test file (beforeAll).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import type { components } from "../../generated/types.js";
import type { Clock } from "../../src/clock.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config, ConfigInput } from "../../src/config/schema.js";
import { devIntegration, type IntegrationInput } from "../../src/dev/dev-integration.js";
import { generateStoredKey, writeKeyFile } from "../../src/keys/key-file.js";
import { TurnBatch } from "../../src/server/log-batch.js";
import { createLogger } from "../../src/server/logger.js";
import { type RunningServer, type ServeOptions, startServer } from "../../src/server/serve.js";
import { collectLine, rememberSecret, rememberToken } from "./log-collector.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "./provider.js";

export type { IntegrationInput } from "../../src/dev/dev-integration.js";
export type DatabaseInput = ConfigInput["databases"][string];
type ServerInput = NonNullable<ConfigInput["server"]>;
type TokenInput = ConfigInput["token"];

export interface HarnessOptions {
  /** Share a running provider; the harness then leaves it running on close. */
  provider?: EmbeddedProvider;
  /** Merged into the "dev" integration (the embedded provider). */
  dev?: Partial<IntegrationInput>;
  /** More integrations, e.g. fake providers. */
  integrations?: IntegrationInput[];
  /** Merged over the default databases (system → dev, retail_analytics → group analysts). */
  databases?: Record<string, DatabaseInput>;
  server?: Partial<ServerInput>;
  /** `issuer` defaults to the server's own URL, `keys_file` to a fresh temporary file. */
  token?: Partial<TokenInput>;
  /** The service's clock (ms since the epoch); freeze or move it where time matters. */
  now?: Clock;
  /** Bounds of the in-memory state tables (default: the service's); a test shrinks them to fill them. */
  memoryBounds?: ServeOptions["memoryBounds"];
  /** Shared state, e.g. `{ redis: { url } }` of a test's redis-server; process memory by default. */
  state?: ConfigInput["state"];
  /** What the configuration's `${NAME}` placeholders read (default: nothing). */
  env?: NodeJS.ProcessEnv;
}

type Schemas = components["schemas"];

/**
 * What `POST /v1/sso_token` answers, loosely: the fields of a minted token and of the Ocient error body,
 * each possibly absent, so a test reads either without a cast and a wrong answer fails its assertion.
 */
export type SsoTokenAnswer = Partial<Schemas["SsoTokenResponse"]> & Partial<Schemas["OcientStatus"]>;

/** The documented JSON answer of each GET route; another path's body is `unknown`. */
interface GetAnswers {
  "/.well-known/jwks.json": Schemas["JwkSet"];
  "/.well-known/openid-configuration": Schemas["OpenidConfiguration"];
  "/healthz": Schemas["Health"];
  "/readyz": Schemas["Readiness"];
}
export type GetAnswer<P extends string> = P extends keyof GetAnswers ? GetAnswers[P] : unknown;

export interface HarnessResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed body, or undefined when it is not JSON. */
  json: T | undefined;
  text: string;
}

/** The answer's JSON body; fails the test when the answer is not JSON. */
export function bodyOf<T>(response: HarnessResponse<T>): T {
  if (response.json === undefined) throw new Error(`not a JSON answer: ${response.status} ${response.text}`);
  return response.json;
}

/** The token a 200 answer minted; fails the test when nothing was minted. */
export function mintedToken(response: ExchangeResponse): string {
  const token = response.json?.id_token;
  if (response.status !== 200 || typeof token !== "string") {
    throw new Error(`nothing minted: ${response.status} ${response.text}`);
  }
  return token;
}

/** What `post` resolves to. */
export type ExchangeResponse = HarnessResponse<SsoTokenAnswer>;

export interface PostInit {
  /** Replaces the default `content-type: application/json`; `null` sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
}

export interface Harness {
  provider: EmbeddedProvider;
  server: RunningServer;
  /** Base URL of the service, e.g. http://127.0.0.1:PORT */
  url: string;
  config: Config;
  /** This harness's log lines (JSON, one per entry), in order. */
  logs: string[];
  /** `POST /v1/sso_token`; an object body is sent as JSON, a string or Buffer as is. */
  post(body: unknown, init?: PostInit): Promise<ExchangeResponse>;
  get<P extends string>(path: P): Promise<HarnessResponse<GetAnswer<P>>>;
  /**
   * Reloads the running server with a configuration changed as an operator would change it (SIGHUP):
   * `change` is merged over the options the harness started with, on the same keys file and issuer.
   */
  reload(change: HarnessReload): Promise<void>;
  close(): Promise<void>;
}

/** What `reload` may change. */
export type HarnessReload = Pick<HarnessOptions, "databases" | "dev" | "token">;

function lineCapture(logs: string[]): Writable {
  let pending = "";
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      pending += chunk.toString();
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        logs.push(line);
        collectLine(line);
        newline = pending.indexOf("\n");
      }
      callback();
    },
  });
}

/** The answer with its body parsed; `T` is what the route documents, not checked here (tests assert it). */
export async function toResponse<T>(response: Response): Promise<HarnessResponse<T>> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: parseJson<T>(text), text };
}

/** The claims of a token the service at `h` minted, checked against the key set it publishes (jose). */
export async function verifyMinted(h: Pick<Harness, "url" | "config">, token: string): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
  return (await jwtVerify(token, jwks, { issuer: h.config.token.issuer, typ: "at+jwt" })).payload;
}

/** The exchanges (or refreshes) the service at `url` has answered so far, minted or not (its /metrics). */
export async function answeredSoFar(url: string, event: "exchange" | "refresh"): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("ocient_sso_exchanges_total{") && line.includes(`event="${event}"`))
      total += Number(line.split(" ").at(-1));
  }
  return total;
}

/** `text` parsed as JSON; `undefined` when it is not JSON. */
export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Remembers every token a request carries, so the log scan knows what must never appear. */
function rememberTokensIn(body: unknown): void {
  if (typeof body !== "object" || body === null) return;
  for (const key of ["id_token", "access_token", "access_token\t"]) {
    rememberToken((body as Record<string, unknown>)[key]);
  }
}

/** The private parameters of the signing keys, which no log line may carry either. */
async function rememberSecretsOf(keysFile: string): Promise<void> {
  let keys: unknown;
  try {
    keys = JSON.parse(await readFile(keysFile, "utf8"));
  } catch {
    return; // a configured keys_file elsewhere, or none yet
  }
  const list = (keys as { keys?: unknown })?.keys;
  if (!Array.isArray(list)) return;
  for (const jwk of list as Record<string, unknown>[]) {
    for (const param of ["d", "p", "q", "dp", "dq", "qi"]) rememberSecret(jwk[param]);
  }
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const provider = options.provider ?? (await startEmbeddedProvider());
  const ownsProvider = options.provider === undefined;
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-test-"));
  // Instances sharing Redis never create the key file: written first, as `keys generate` would.
  if (options.state?.redis && options.token?.keys_file === undefined)
    await writeKeyFile(join(dir, "keys.json"), {
      keys: [await generateStoredKey(options.token?.algorithm ?? "ES256")],
    });
  const logs: string[] = [];
  const input = (issuer: string, change: HarnessReload = {}): ConfigInput => ({
    server: { port: 0, host: "127.0.0.1", log_level: "info", ...options.server },
    token: { issuer, keys_file: join(dir, "keys.json"), ...options.token, ...change.token },
    integrations: [
      { ...devIntegration(provider), ...options.dev, ...change.dev },
      ...(options.integrations ?? []),
    ],
    databases: {
      system: { integration: "dev" },
      retail_analytics: { groups: ["analysts"] },
      ...options.databases,
      ...change.databases,
    },
    state: options.state,
  });
  let server: RunningServer;
  let config: Config;
  try {
    // The issuer is the server's own URL, known once it listens: start, then reload with it.
    config = await loadConfig(
      input(options.token?.issuer ?? "http://127.0.0.1:1/"),
      "(harness)",
      options.env,
    );
    server = await startServer(config, {
      now: options.now,
      // As the real process writes them: one write per turn of the event loop (log-batch.ts).
      logger: createLogger("info", new TurnBatch(lineCapture(logs))),
      memoryBounds: options.memoryBounds,
    });
    if (options.token?.issuer === undefined) {
      config = await loadConfig(input(server.url), "(harness)", options.env);
      await server.reload(config);
    }
  } catch (err) {
    if (ownsProvider) await provider.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const url = server.url;
  await rememberSecretsOf(config.token.keys_file);
  rememberSecret(provider.introspection.clientSecret);
  rememberSecret(provider.signIn.clientSecret);

  const harness: Harness = {
    provider,
    server,
    url,
    config,
    logs,
    async post(body, init = {}) {
      rememberTokensIn(body);
      const headers: Record<string, string> = { ...init.headers };
      const contentType = init.contentType === undefined ? "application/json" : init.contentType;
      if (contentType !== null) headers["content-type"] = contentType;
      const payload =
        typeof body === "string" || Buffer.isBuffer(body) ? (body as string | Buffer) : JSON.stringify(body);
      const response = await toResponse<SsoTokenAnswer>(
        await fetch(`${url}/v1/sso_token`, {
          method: "POST",
          headers,
          // A Buffer body lets fetch send no content-type of its own.
          body: typeof payload === "string" && contentType === null ? Buffer.from(payload) : payload,
        }),
      );
      rememberToken(response.json?.id_token);
      return response;
    },
    async get(path) {
      return toResponse<GetAnswer<typeof path>>(await fetch(`${url}${path}`));
    },
    async reload(change) {
      const next = await loadConfig(input(config.token.issuer, change), "(harness)", options.env);
      await server.reload(next);
      harness.config = next;
    },
    async close() {
      await server.close();
      if (ownsProvider) await provider.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
