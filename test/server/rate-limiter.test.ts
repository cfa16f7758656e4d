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

  it("stays bounded under many clients", () => {
    const limiter = new RateLimiter(1, 1, 100);
    for (let i = 0; i < 10_000; i++) expect(limiter.take(`c${i}`, i)).toBe(0);
    // A client forgotten by the sweep starts again with a full bucket: bounded memory wins over precision.
    expect(limiter.take("c9999", 10_000)).toBeGreaterThanOrEqual(0);
  });
});
