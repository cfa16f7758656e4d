import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startNginx } from "../support/nginx.js";
import { ping, startRedis } from "../support/redis.js";

describe("test support: the programs the suite starts", () => {
  it("starts redis-server on a free loopback port, kills and restarts it with its append-only data", async () => {
    const redis = await startRedis({ appendonly: true });
    try {
      expect(await ping(redis.port)).toBe(true);
      const first = redis.pid;
      await redis.kill();
      expect(await ping(redis.port)).toBe(false);
      await redis.start();
      expect(redis.pid).not.toBe(first);
      expect(await ping(redis.port)).toBe(true);
      redis.pause();
      expect(await ping(redis.port, 200)).toBe(false);
      redis.resume();
      expect(await ping(redis.port)).toBe(true);
    } finally {
      await redis.close();
    }
    expect(await ping(redis.port)).toBe(false);
  });

  it("puts nginx in front of several upstreams, round robin, appending the client to X-Forwarded-For", async () => {
    const seen: string[] = [];
    const servers = await Promise.all(
      ["a", "b"].map(
        (name) =>
          new Promise<{ close: () => void; port: number }>((resolve) => {
            const server = createServer((req, res) => {
              seen.push(`${name} ${req.headers["x-forwarded-for"]}`);
              res.end(name);
            });
            server.listen(0, "127.0.0.1", () =>
              resolve({ port: (server.address() as AddressInfo).port, close: () => server.close() }),
            );
          }),
      ),
    );
    const nginx = await startNginx(servers.map((s) => `127.0.0.1:${s.port}`));
    try {
      const bodies = [];
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${nginx.url}/x`, { headers: { "x-forwarded-for": "198.51.100.9" } });
        bodies.push(await response.text());
      }
      expect(bodies.sort()).toEqual(["a", "a", "b", "b"]);
      expect(new Set(seen.map((s) => s.slice(2)))).toEqual(new Set(["198.51.100.9, 127.0.0.1"]));
      expect(await nginx.accessLog()).toHaveLength(4);
    } finally {
      await nginx.close();
      for (const s of servers) s.close();
    }
  });
});
