import { describe, expect, it } from "vitest";
import { StateFull } from "../../src/errors.js";
import { MemoryStore, type MemoryStoreOptions } from "../../src/state/memory-store.js";

function clocked(options: Omit<MemoryStoreOptions, "now"> = {}) {
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

  it("stays bounded and never evicts a live entry: a new one is refused with StateFull", async () => {
    const { store, advance } = clocked({ maxEntries: 100 });
    for (let i = 0; i < 60; i++) await store.put(`old:${i}`, "v", 1_000);
    advance(1_000);
    // The expired ones make room; then the table is full of live entries.
    for (let i = 0; i < 100; i++) await store.put(`new:${i}`, "v", 60_000);
    const refused = await store.put("new:100", "v", 60_000).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StateFull);
    expect(refused).toMatchObject({ status: 503, vendorCode: -1256, retryAfter: 60 });
    expect(await store.putIfAbsent("new:101", "v", 60_000).catch((err: unknown) => err)).toBeInstanceOf(
      StateFull,
    );
    expect(store.size).toBe(100);
    expect(await store.get("old:0")).toBeUndefined();
    for (let i = 0; i < 100; i++) expect(await store.get(`new:${i}`)).toBe("v");
    // What is held may still change and go: a replaced or taken entry needs no room.
    await store.put("new:0", "w", 60_000);
    expect(await store.take("new:1")).toBe("v");
    await store.put("new:100", "v", 60_000);
    // Once entries expire, there is room again (the next sweep, a second later at most).
    advance(60_000);
    expect(await store.putIfAbsent("later", "v", 1_000)).toBe(true);
  });

  it("a full counter table counts newcomers under one overflow key, and keeps every counter it holds", async () => {
    const { store } = clocked({ maxEntries: 3, overflowKey: "overflow" });
    for (const k of ["a", "b", "c"]) await store.increment(k, 60_000);
    expect(await store.increment("a", 60_000)).toBe(2);
    expect(await store.increment("d", 60_000)).toBe(1);
    expect(await store.increment("e", 60_000)).toBe(2);
    expect(await store.increment("f", 60_000)).toBe(3);
    expect(await store.increment("a", 60_000)).toBe(3);
    expect(await store.increment("b", 60_000)).toBe(2);
    expect(await store.get("d")).toBeUndefined();
    expect(await store.get("overflow")).toBe("3");
  });
});
