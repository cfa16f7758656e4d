/**
 * A Redis that hangs (SIGSTOP) and resumes (SIGCONT) keeps its connection, so no reconnection tells the
 * service it is back. With no traffic after it resumes, the gauge must still clear and the log say
 * "available again", by itself (Debian's redis-server, the real server in-process).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../signin/http.js";
import { type Harness, startHarness } from "../support/harness.js";
import { type RedisServer, startRedis } from "../support/redis.js";

let redis: RedisServer;
let h: Harness;
beforeAll(async () => {
  redis = await startRedis();
  h = await startHarness({ state: { redis: { url: redis.url, timeout_ms: 300 } }, dev: { replay: "once" } });
});
afterAll(async () => {
  await h?.close();
  await redis?.close();
});

const startSignIn = () =>
  call(`${h.url}/v1/sso_authentication`, { database: "retail_analytics", do_redirect: false });
const gauge = async () => /^ocient_sso_state_unavailable 1$/m.test((await h.get("/metrics")).text);
const availableAgain = () => h.logs.filter((l) => l.includes("shared state (Redis) available again"));

describe("the Redis gauge after a hang", () => {
  it("clears, and says so once, soon after Redis answers again, with no traffic", async () => {
    redis.pause();
    try {
      // Sign-in state needs Redis: 503 -1220 while it hangs, and the gauge goes up.
      const started = await startSignIn();
      expect(started.status).toBe(503);
      expect(started.json.status.vendor_code).toBe(-1220);
      expect(await gauge()).toBe(true);
    } finally {
      redis.resume();
    }
    const resumed = Date.now();
    // Only /metrics from here on, which sends Redis nothing.
    let cleared: number | undefined;
    while (cleared === undefined && Date.now() - resumed < 15_000) {
      if (!(await gauge())) cleared = Date.now();
      else await new Promise((r) => setTimeout(r, 50));
    }
    process.stdout.write(
      `redis gauge cleared ${cleared === undefined ? "never" : `${cleared - resumed} ms`} after SIGCONT\n`,
    );
    expect(cleared).toBeDefined();
    expect(availableAgain()).toHaveLength(1);
    const again = await startSignIn();
    expect(again.status).toBe(200);
  }, 40_000);
});
