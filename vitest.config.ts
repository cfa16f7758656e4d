import { defineConfig } from "vitest/config";

/**
 * Every file in parallel, the Redis Sentinel failover test included: it once ran alone after the others
 * because in the parallel suite the service sometimes never resumed on the promoted replica. That was
 * ioredis 6.0.0 ending its client for good when a +switch-master met a reconnection in progress (a
 * loaded event loop made that window wide); test/state/sentinel-reconnect.test.ts makes it certain.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Scans every log line of the whole run for token and secret fragments after the last file.
    globalSetup: ["./test/support/global-setup.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
