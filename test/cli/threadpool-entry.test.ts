/**
 * The executable as shipped (scripts/bundle.ts: dist/ocient-sso.cjs loading dist/ocient-sso.mjs) sizes
 * libuv's thread pool itself: counted in /proc as the process's threads, which libuv starts all at once.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/bundle.js";
import { recommendedThreadpoolSize } from "../../src/server/threadpool.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { startCli } from "../support/spawn-cli.js";

let provider: EmbeddedProvider;
let dir: string;
let config: string;

beforeAll(async () => {
  [provider, dir] = await Promise.all([
    startEmbeddedProvider(),
    mkdtemp(join(tmpdir(), "ocient-sso-entry-")),
  ]);
  await bundle(join(dir, "ocient-sso.mjs"));
  config = join(dir, "config.yaml");
  await writeFile(
    config,
    `server: { host: 127.0.0.1, port: 0, log_level: info }
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(join(dir, "keys.json"))} }
integrations:
  - { name: dev, issuer: "${provider.issuer}", audiences: [${provider.clientId}], user_claim: preferred_username, groups_claim: groups }
databases:
  system: { integration: dev }
  retail_analytics: { groups: [analysts] }
`,
  );
}, 60_000);
afterAll(async () => {
  await provider?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Started {
  threads: number;
  threadpool: { size: number; from: string };
  status: number;
}

/** Starts `file` with `serve`, exchanges one token (signatures run on the pool), counts the threads, stops. */
async function serveWith(file: string, uvThreadpoolSize: string | undefined): Promise<Started> {
  const cli = startCli(["serve", "--config", config], {
    program: [join(dir, file)],
    env: { UV_THREADPOOL_SIZE: uvThreadpoolSize, OCIENT_SSO_THREADPOOL_SIZE_CHOSEN: undefined },
  });
  try {
    const [line] = await cli.waitFor(/\{[^\n]*listening on [^\n]*\}/, 30_000);
    const logged = JSON.parse(line) as { url: string; threadpool: Started["threadpool"] };
    const { id_token } = await provider.issueTokens("alice");
    const response = await fetch(`${logged.url}/v1/sso_token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id_token, database: "retail_analytics" }),
    });
    await response.arrayBuffer();
    const threads = readdirSync(`/proc/${cli.child.pid}/task`).length;
    return { threads, threadpool: logged.threadpool, status: response.status };
  } finally {
    cli.child.kill("SIGTERM");
    await cli.exited;
  }
}

describe.skipIf(!existsSync("/proc/self/task"))("the executable's thread pool", () => {
  it("is the recommended size out of the box, and the operator's when UV_THREADPOOL_SIZE is set", async () => {
    const recommended = recommendedThreadpoolSize(availableParallelism(), 1);
    const entry = await serveWith("ocient-sso.cjs", undefined);
    const operator = await serveWith("ocient-sso.cjs", "4");
    // The ES module alone cannot size the pool: Node's loader used it (libuv's default) to read the file.
    const moduleAlone = await serveWith("ocient-sso.mjs", undefined);

    expect([entry.status, operator.status, moduleAlone.status]).toEqual([200, 200, 200]);
    expect(entry.threadpool).toMatchObject({ size: recommended, from: "ocient-sso" });
    expect(operator.threadpool).toMatchObject({ size: 4, from: "UV_THREADPOOL_SIZE" });
    expect(moduleAlone.threadpool).toMatchObject({ size: 4, from: "libuv default" });
    expect(operator.threads).toBe(moduleAlone.threads);
    expect(operator.threads - entry.threads).toBe(4 - recommended);
  }, 120_000);
});
