import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { type RunningCli, startCli } from "../support/spawn-cli.js";

let provider: EmbeddedProvider;
let dir: string;
let cli: RunningCli | undefined;

beforeAll(async () => {
  [provider, dir] = await Promise.all([startEmbeddedProvider(), mkdtemp(join(tmpdir(), "ocient-sso-cm-"))]);
});
afterAll(async () => {
  if (cli && cli.child.exitCode === null) cli.child.kill("SIGTERM");
  await provider?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("/metrics with server.workers: 2", () => {
  it("answers for the whole cluster, whichever worker takes the scrape", async () => {
    const config = join(dir, "config.yaml");
    await writeFile(
      config,
      `server: { host: 127.0.0.1, port: 0, workers: 2, log_level: info }
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(join(dir, "keys.json"))} }
integrations:
  - { name: dev, issuer: "${provider.issuer}", audiences: [${provider.clientId}], user_claim: preferred_username, groups_claim: groups }
databases:
  system: { integration: dev }
  retail_analytics: { groups: [analysts] }
`,
    );
    cli = startCli(["serve", "--config", config]);
    await cli.waitFor(
      /listening on http:\/\/127\.0\.0\.1:\d+[\s\S]*listening on http:\/\/127\.0\.0\.1:\d+/,
      30_000,
    );
    const url = cli.stdout.match(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/)?.[1] as string;

    // New connections each time, so the kernel spreads requests across both workers.
    const post = async () => {
      const { id_token } = await provider.issueTokens("alice");
      const response = await fetch(`${url}/v1/sso_token`, {
        method: "POST",
        headers: { "content-type": "application/json", connection: "close" },
        body: JSON.stringify({ id_token, database: "retail_analytics" }),
      });
      await response.arrayBuffer();
      return response.status;
    };
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push(await post());
    expect(statuses).toEqual(Array(10).fill(200));
    // Both workers minted some (the primary hands connections round robin), so one alone would count less.
    const minters = new Set(
      [...cli.stdout.matchAll(/"pid":(\d+)[^\n]*"event":"exchange"/g)].map((m) => m[1]),
    );
    expect(minters.size).toBe(2);

    const minted =
      /ocient_sso_exchanges_total\{event="exchange",outcome="minted",vendor_code="0",integration="dev"\} (\d+)/;
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${url}/metrics`, { headers: { connection: "close" } });
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(text.match(minted)?.[1]).toBe("10");
    }

    cli.child.kill("SIGTERM");
    expect((await cli.exited).code).toBe(0);
  }, 60_000);
});
