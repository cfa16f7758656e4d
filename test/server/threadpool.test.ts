import { describe, expect, it } from "vitest";
import {
  describeThreadpool,
  recommendedThreadpoolSize,
  threadpoolSize,
  workerThreadpoolEnv,
} from "../../src/server/threadpool.js";

describe("the libuv thread pool size", () => {
  it("reads UV_THREADPOOL_SIZE as libuv does, and libuv's default of 4 when it is unset", () => {
    expect(threadpoolSize({})).toEqual({ size: 4, from: "libuv default" });
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: "" })).toEqual({ size: 4, from: "libuv default" });
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: "2" })).toEqual({ size: 2, from: "UV_THREADPOOL_SIZE" });
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: " 8" }).size).toBe(8);
    // atoi: no number reads as 0, which libuv raises to 1; the bound is 1024.
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: "0" }).size).toBe(1);
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: "many" }).size).toBe(1);
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: "5000" }).size).toBe(1024);
  });

  it("recommends one pool thread per core the event loops leave free, at least one", () => {
    expect(recommendedThreadpoolSize(2, 1)).toBe(1);
    expect(recommendedThreadpoolSize(1, 1)).toBe(1);
    expect(recommendedThreadpoolSize(2, 2)).toBe(1);
    expect(recommendedThreadpoolSize(8, 1)).toBe(7);
    expect(recommendedThreadpoolSize(8, 2)).toBe(3);
    expect(recommendedThreadpoolSize(16, 3)).toBe(4);
  });

  it("gives cluster workers the recommended size, or nothing when the operator set one they inherit", () => {
    expect(workerThreadpoolEnv({}, 8, 2)).toEqual({ UV_THREADPOOL_SIZE: "3" });
    expect(workerThreadpoolEnv({}, 2, 2)).toEqual({ UV_THREADPOOL_SIZE: "1" });
    expect(workerThreadpoolEnv({ UV_THREADPOOL_SIZE: "6" }, 8, 2)).toEqual({});
  });

  it("hints at the recommended size only when libuv's default oversubscribes the cores", () => {
    expect(describeThreadpool({}, 2, 1)).toEqual({
      size: 4,
      from: "libuv default",
      recommended: 1,
      hint: "set UV_THREADPOOL_SIZE=1 for this machine (2 cores): see docs/operations.md, Thread pool",
    });
    expect(describeThreadpool({}, 16, 1)).toEqual({ size: 4, from: "libuv default", recommended: 15 });
    // A size the operator chose is theirs: reported, never second-guessed.
    expect(describeThreadpool({ UV_THREADPOOL_SIZE: "4" }, 2, 1)).toEqual({
      size: 4,
      from: "UV_THREADPOOL_SIZE",
      recommended: 1,
    });
  });
});
