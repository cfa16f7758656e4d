import { describe, expect, it } from "vitest";
import {
  CHOSEN_BY_ENTRY,
  defaultThreadpoolEnv,
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
    const chosen = (size: string) => ({ UV_THREADPOOL_SIZE: size, [CHOSEN_BY_ENTRY]: size });
    expect(workerThreadpoolEnv({}, 8, 2)).toEqual(chosen("3"));
    expect(workerThreadpoolEnv({}, 2, 2)).toEqual(chosen("1"));
    expect(workerThreadpoolEnv({ UV_THREADPOOL_SIZE: "6" }, 8, 2)).toEqual({});
    // The size the executable's entry chose for one process is replaced by the one for `workers`.
    expect(workerThreadpoolEnv(chosen("7"), 8, 2)).toEqual(chosen("3"));
  });

  it("lets the executable's entry choose the size only when the operator did not", () => {
    expect(defaultThreadpoolEnv({}, 2)).toEqual({ UV_THREADPOOL_SIZE: "1", [CHOSEN_BY_ENTRY]: "1" });
    expect(defaultThreadpoolEnv({ UV_THREADPOOL_SIZE: "" }, 8)).toEqual({
      UV_THREADPOOL_SIZE: "7",
      [CHOSEN_BY_ENTRY]: "7",
    });
    expect(defaultThreadpoolEnv({ UV_THREADPOOL_SIZE: "4" }, 2)).toEqual({});
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: "1", [CHOSEN_BY_ENTRY]: "1" })).toEqual({
      size: 1,
      from: "ocient-sso",
    });
    // An operator's size that differs from a stale choice in the environment is the operator's.
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: "2", [CHOSEN_BY_ENTRY]: "1" }).from).toBe(
      "UV_THREADPOOL_SIZE",
    );
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
