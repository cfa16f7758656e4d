/**
 * Settings that Node refuses together, or handles badly alone, are refused by the configuration schema
 * with their path, so `check-config` and `serve` never disagree: a file check-config calls valid starts,
 * and one serve refuses is refused by check-config with the same problem.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import { ConfigError, parseConfig } from "../../src/config/load.js";
import { memoryIo } from "../support/memory-io.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-cross-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const withServer = (server: Record<string, unknown>) => ({
  server: { host: "127.0.0.1", port: 0, log_level: "silent", ...server },
  token: { issuer: "http://127.0.0.1:8080", keys_file: join(dir, "keys.json") },
  // Port 1 on loopback: refused at once, so check-config's discovery is quick and serve never needs it.
  integrations: [{ name: "idp", issuer: "http://127.0.0.1:1", audiences: ["ocient"] }],
  databases: { system: { integration: "idp" } },
});

function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

const refused: [string, Record<string, unknown>, string][] = [
  [
    "headers timeout above the request timeout (the default headers timeout)",
    { request_timeout_ms: 8000 },
    "server.headers_timeout_ms: must not exceed server.request_timeout_ms (8000)",
  ],
  [
    "headers timeout above the request timeout (both set)",
    { headers_timeout_ms: 5000, request_timeout_ms: 4000 },
    "server.headers_timeout_ms: must not exceed server.request_timeout_ms (4000)",
  ],
  [
    "a keep-alive timeout past Node's longest timer",
    { keep_alive_timeout_ms: 2 ** 31 },
    "server.keep_alive_timeout_ms: must be at most 86400000 (a day)",
  ],
  [
    "a shutdown timeout past Node's longest timer",
    { shutdown_timeout_ms: 2 ** 31 },
    "server.shutdown_timeout_ms: must be at most 86400000 (a day)",
  ],
  [
    "a request timeout past a day",
    { request_timeout_ms: 2 ** 31, headers_timeout_ms: 1000 },
    "server.request_timeout_ms: must be at most 86400000 (a day)",
  ],
];

describe("cross-checks of the listener settings", () => {
  it.each(refused)("%s: refused by the schema, with its path", (_name, server, problem) => {
    expect(problemsOf(withServer(server))).toEqual([problem]);
  });

  it.each([
    ["equal timeouts", { headers_timeout_ms: 8000, request_timeout_ms: 8000 }],
    ["the defaults", {}],
    ["a day each", { headers_timeout_ms: 86_400_000, request_timeout_ms: 86_400_000 }],
  ])("%s: accepted", (_name, server) => {
    expect(problemsOf(withServer(server))).toEqual([]);
  });

  it.each(refused)(
    "%s: check-config and serve both exit 1 with the same problem",
    async (_name, server, problem) => {
      const file = join(dir, "refused.json");
      await writeFile(file, JSON.stringify(withServer(server)));
      const check = memoryIo();
      expect(await runCli(["check-config", file], check)).toBe(1);
      expect(check.err).toContain(problem);
      const serve = memoryIo();
      expect(await runCli(["serve", "--config", file], serve)).toBe(1);
      expect(serve.err).toContain(problem);
      expect(serve.err + serve.out).not.toMatch(/RangeError|ERR_OUT_OF_RANGE|listening/);
    },
  );

  it("a file check-config calls valid, with timeouts that only just agree, is served", async () => {
    const file = join(dir, "valid.json");
    const server = { headers_timeout_ms: 8000, request_timeout_ms: 8000, log_level: "info" };
    await writeFile(file, JSON.stringify(withServer(server)));
    const check = memoryIo();
    expect(await runCli(["check-config", file], check)).toBe(0);
    const serve = memoryIo();
    const running = runCli(["serve", "--config", file], serve);
    while (!serve.out.includes("listening")) {
      if (serve.err) throw new Error(serve.err);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    serve.raise("SIGTERM");
    expect(await running).toBe(0);
    expect(serve.err).toBe("");
  });
});
