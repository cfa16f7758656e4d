import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/server/rate-limiter.js";

describe("RateLimiter", () => {
  it("allows a burst, then refills at the configured rate", () => {
    const limiter = new RateLimiter(2, 3);
    const t0 = 1_000_000;
    expect([0, 1, 2].map(() => limiter.take("a", t0))).toEqual([0, 0, 0]);
    expect(limiter.take("a", t0)).toBe(1);
    expect(limiter.take("b", t0)).toBe(0);
    expect(limiter.take("a", t0 + 500)).toBe(0);
    expect(limiter.take("a", t0 + 500)).toBe(1);
  });

  it("tells how long to wait at slow rates", () => {
    const limiter = new RateLimiter(0.1, 1);
    expect(limiter.take("a", 0)).toBe(0);
    expect(limiter.take("a", 0)).toBe(10);
  });

  it("stays bounded under many clients, forgetting the oldest", () => {
    const maxClients = 100;
    const limiter = new RateLimiter(1, 1, maxClients);
    const clients = Array.from({ length: 10_000 }, (_, i) => `c${i}`);
    // All at one instant: no bucket refills, so every client still remembered is limited.
    const now = 1_000_000;
    for (const client of clients) expect(limiter.take(client, now)).toBe(0);
    // From the newest back, each remembered client is refused; the first one forgotten by the sweep
    // starts again with a full bucket (bounded memory wins over precision).
    let remembered = 0;
    for (const client of clients.toReversed()) {
      if (limiter.take(client, now) === 0) break;
      remembered++;
    }
    expect(remembered).toBeGreaterThanOrEqual(maxClients / 2);
    expect(remembered).toBeLessThanOrEqual(maxClients);
  });
});
