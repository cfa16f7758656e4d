import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import type { RunningCli } from "../support/spawn-cli.js";
import { serveTwoWorkers } from "../support/two-workers.js";

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
    cli = await serveTwoWorkers(dir, provider);
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
