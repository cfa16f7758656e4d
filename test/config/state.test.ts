import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/load.js";
import { minimalConfig, problemsOf } from "../support/config-problems.js";

describe("configuration of shared state, replay and key rotation", () => {
  it("keeps state in process memory, allows replays and leads rotations by 300 s unless told otherwise", () => {
    const config = parseConfig(minimalConfig);
    expect(config.state).toEqual({});
    expect(config.integrations[0]?.replay).toBe("allow");
    expect(config.token.publish_lead_seconds).toBe(300);
  });

  it("fills the Redis defaults and takes the password from the environment", () => {
    const config = parseConfig(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration file's placeholder
      { ...minimalConfig, state: { redis: { url: "redis://:${REDIS_PASSWORD}@10.0.0.5:6379/0" } } },
      "test.yaml",
      { REDIS_PASSWORD: "s3cret-from-env" },
    );
    expect(config.state.redis).toEqual({
      url: "redis://:s3cret-from-env@10.0.0.5:6379/0",
      prefix: "ocient-sso:",
      timeout_ms: 500,
    });
  });

  it.each([
    ["not a Redis URL", { state: { redis: { url: "http://127.0.0.1:6379" } } }, "state.redis.url"],
    ["a prefix with spaces", { state: { redis: { url: "redis://h", prefix: "a b" } } }, "state.redis.prefix"],
    [
      "an unbounded timeout",
      { state: { redis: { url: "redis://h", timeout_ms: 0 } } },
      "state.redis.timeout_ms",
    ],
    ["an unknown key", { state: { memcached: {} } }, "state"],
    [
      "an unknown replay mode",
      { integrations: [{ ...minimalConfig.integrations[0], replay: "twice" }] },
      "integrations[0].replay",
    ],
  ])("refuses %s, naming its path", (_name, patch, path) => {
    const problems = problemsOf({ ...minimalConfig, ...patch });
    expect(problems.some((p) => p.startsWith(path))).toBe(true);
  });

  it("is a ConfigError", () => {
    expect(() => parseConfig({ ...minimalConfig, state: { redis: {} } })).toThrow(ConfigError);
  });
});

describe("check-config's printout", () => {
  it("hides the password of a Redis URL", async () => {
    const { redactSecrets } = await import("../../src/cli/redact.js");
    expect(redactSecrets({ url: "redis://default:hunter2-long@10.0.0.5:6379/0" })).toEqual({
      url: "redis://[redacted]:[redacted]@10.0.0.5:6379/0",
    });
    expect(redactSecrets({ url: "redis://10.0.0.5:6379/0" })).toEqual({ url: "redis://10.0.0.5:6379/0" });
  });
});
