/**
 * The recipes of docs/workloads.md, started as written: each `<!-- recipe: NAME -->` YAML block is a
 * complete configuration. Only what a test on loopback must change is changed: a free port, a fresh
 * keys file, and where the issuer's keys come from (the test issuer's `jwks_uri` for a shared issuer,
 * the test issuer itself for discovery, or the test issuer's key set written to the `jwks_file`).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { parse as parseYaml } from "yaml";
import { SHARED_ISSUERS } from "../../src/config/bindings-schema.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { createLogger } from "../../src/server/logger.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import type { FakeProvider } from "./fake-provider.js";
import { type ExchangeResponse, type SsoTokenAnswer, toResponse } from "./harness.js";
import { collectLine, rememberToken } from "./log-collector.js";

const DOC = new URL("../../docs/workloads.md", import.meta.url);

/** The YAML of one recipe, as the page shows it. */
export function recipeYaml(page: string, name: string): string {
  const marker = `<!-- recipe: ${name} -->\n\`\`\`yaml\n`;
  const start = page.indexOf(marker);
  if (start === -1) throw new Error(`no recipe "${name}" in docs/workloads.md`);
  const body = page.slice(start + marker.length);
  return body.slice(0, body.indexOf("```"));
}

export interface RecipeServer {
  url: string;
  config: Config;
  /** The `iss` the recipe's tokens carry: the platform's, or the test issuer's where discovery is used. */
  issuer: string;
  /** The jwks_file written, when the recipe has one. */
  jwksFile?: string;
  logs: string[];
  /** `POST /v1/sso_token` with a JSON body. */
  post(body: Record<string, unknown>): Promise<ExchangeResponse>;
  server: RunningServer;
  close(): Promise<void>;
}

export type Raw = { integrations: Record<string, unknown>[] } & Record<string, unknown>;

/**
 * The recipe's configuration as the page writes it, with the issuer's keys taken from `provider` (and
 * any jwks_file written into `dir`), a keys file in `dir` and a free port.
 */
export async function recipeConfig(
  name: string,
  provider: FakeProvider,
  dir: string,
): Promise<{ raw: Raw; issuer: string; jwksFile?: string }> {
  const raw = parseYaml(recipeYaml(await readFile(DOC, "utf8"), name)) as Raw;
  const integration = raw.integrations[0] ?? {};
  let issuer = String(integration.issuer);
  let jwksFile: string | undefined;
  if (integration.jwks_file !== undefined) {
    jwksFile = join(dir, "cluster-jwks.json");
    await writeFile(jwksFile, JSON.stringify(await (await fetch(provider.jwksUri)).json()));
    integration.jwks_file = jwksFile;
  } else if (SHARED_ISSUERS[issuer]) {
    integration.jwks_uri = provider.jwksUri;
  } else {
    issuer = provider.issuer;
    integration.issuer = issuer;
  }
  raw.server = { host: "127.0.0.1", port: 0, log_level: "info" };
  (raw.token as Record<string, unknown>).keys_file = join(dir, "keys.json");
  return { raw, issuer, ...(jwksFile !== undefined && { jwksFile }) };
}

export async function startRecipe(name: string, provider: FakeProvider): Promise<RecipeServer> {
  const dir = await mkdtemp(join(tmpdir(), `ocient-sso-recipe-${name}-`));
  const { raw, issuer, jwksFile } = await recipeConfig(name, provider, dir);
  let config = await loadConfig(raw, `docs/workloads.md#${name}`);
  const logs: string[] = [];
  const server = await startServer(config, {
    logger: createLogger(
      "info",
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          for (const line of chunk.toString().split("\n").filter(Boolean)) {
            logs.push(line);
            collectLine(line);
          }
          callback();
        },
      }),
    ),
  });
  // Minted tokens name the service's own URL as their issuer, so a client can discover their keys there.
  (raw.token as Record<string, unknown>).issuer = server.url;
  config = await loadConfig(raw, `docs/workloads.md#${name}`);
  await server.reload(config);
  return {
    url: server.url,
    config,
    issuer,
    jwksFile,
    logs,
    server,
    async post(body) {
      rememberToken(body.id_token);
      rememberToken(body.access_token);
      const response = await toResponse<SsoTokenAnswer>(
        await fetch(`${server.url}/v1/sso_token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );
      rememberToken(response.json?.id_token);
      return response;
    },
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The audit record (the request's log line) of the latest exchange. */
export function lastAudit(logs: readonly string[]): Record<string, unknown> {
  for (let i = logs.length - 1; i >= 0; i--) {
    const line = JSON.parse(logs[i] as string) as Record<string, unknown>;
    if (line.event !== undefined) return line;
  }
  throw new Error("no audit record");
}
