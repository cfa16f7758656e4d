import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../src/state/memory-store.js";

function clocked(options: { maxEntries?: number } = {}) {
  let now = 1_000_000;
  const store = new MemoryStore({ ...options, now: () => now });
  return { store, advance: (ms: number) => (now += ms) };
}

describe("MemoryStore", () => {
  it("keeps a value until its time to live has passed", async () => {
    const { store, advance } = clocked();
    await store.put("device:A", "x", 1_000);
    advance(999);
    expect(await store.get("device:A")).toBe("x");
    advance(1);
    expect(await store.get("device:A")).toBeUndefined();
  });

  it("take hands a value to exactly one of several callers", async () => {
    const { store } = clocked();
    await store.put("browser:s", "v", 60_000);
    const taken = await Promise.all([
      store.take("browser:s"),
      store.take("browser:s"),
      store.take("browser:s"),
    ]);
    expect(taken.filter((v) => v !== undefined)).toEqual(["v"]);
    expect(await store.get("browser:s")).toBeUndefined();
  });

  it("putIfAbsent lets the first writer win until the entry expires", async () => {
    const { store, advance } = clocked();
    expect(await store.putIfAbsent("used:h", "1", 500)).toBe(true);
    expect(await store.putIfAbsent("used:h", "2", 500)).toBe(false);
    expect(await store.get("used:h")).toBe("1");
    advance(500);
    expect(await store.putIfAbsent("used:h", "3", 500)).toBe(true);
  });

  it("counts in a fixed window that starts at the first increment", async () => {
    const { store, advance } = clocked();
    expect(await store.increment("verify:ip", 1_000)).toBe(1);
    advance(600);
    expect(await store.increment("verify:ip", 1_000)).toBe(2);
    advance(400);
    expect(await store.increment("verify:ip", 1_000)).toBe(1);
  });

  it("refuses an entry that would never expire", async () => {
    const { store } = clocked();
    await expect(store.put("k", "v", 0)).rejects.toThrow(RangeError);
    await expect(store.increment("k", Number.NaN)).rejects.toThrow(RangeError);
  });

  it("stays bounded: expired entries are swept first, then the oldest live ones", async () => {
    const { store, advance } = clocked({ maxEntries: 100 });
    for (let i = 0; i < 60; i++) await store.put(`old:${i}`, "v", 1_000);
    advance(1_000);
    for (let i = 0; i < 500; i++) await store.put(`new:${i}`, "v", 60_000);
    expect(store.size).toBeLessThanOrEqual(100);
    expect(await store.get("old:0")).toBeUndefined();
    expect(await store.get("new:499")).toBe("v");
  });
});
