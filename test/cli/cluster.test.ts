import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recommendedThreadpoolSize } from "../../src/server/threadpool.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import type { RunningCli } from "../support/spawn-cli.js";
import { serveTwoWorkers } from "../support/two-workers.js";

let provider: EmbeddedProvider;
let dir: string;
let cli: RunningCli | undefined;

beforeAll(async () => {
  [provider, dir] = await Promise.all([
    startEmbeddedProvider(),
    mkdtemp(join(tmpdir(), "ocient-sso-cluster-")),
  ]);
});
afterAll(async () => {
  // A failed assertion must not leave the cluster running.
  if (cli && cli.child.exitCode === null) cli.child.kill("SIGTERM");
  await provider?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("serve with server.workers: 2", () => {
  it("forks two workers sharing one port, serves exchanges, and stops them all on SIGTERM", async () => {
    cli = await serveTwoWorkers(dir, provider);
    const urls = [...cli.stdout.matchAll(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/g)].map((m) => m[1]);
    const pids = new Set([...cli.stdout.matchAll(/"pid":(\d+)[^\n]*listening on/g)].map((m) => m[1]));
    expect(urls).toHaveLength(2);
    expect(urls[0]).toBe(urls[1]);
    expect(pids.size).toBe(2);

    // Each worker starts with the pool size recommended for two event loops on this machine's cores:
    // libuv reads it from the environment the worker was started with.
    const expected = recommendedThreadpoolSize(availableParallelism(), 2);
    const pools = [...cli.stdout.matchAll(/"threadpool":\{"size":(\d+),"from":"([^"]+)"/g)];
    expect(pools.map((m) => [Number(m[1]), m[2]])).toEqual([
      [expected, "ocient-sso"],
      [expected, "ocient-sso"],
    ]);
    if (existsSync("/proc/self/environ")) {
      for (const pid of pids) {
        const environ = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
        expect(environ).toContain(`UV_THREADPOOL_SIZE=${expected}`);
      }
    }

    const statuses = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const { id_token } = await provider.issueTokens("alice");
        const response = await fetch(`${urls[0]}/v1/sso_token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ id_token, database: "retail_analytics" }),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses).toEqual(Array(8).fill(200));

    cli.child.kill("SIGTERM");
    const result = await cli.exited;
    expect(result.code).toBe(0);
    expect(result.stdout.match(/"msg":"stopped"/g)).toHaveLength(2);
  }, 60_000);
});
