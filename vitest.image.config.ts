import { defineConfig } from "vitest/config";

/**
 * `npm run test:image` (.ci/run): builds the Dockerfile on a base made from Debian's archive and runs it;
 * installs the Debian package with apt in a Debian 13 root and runs it.
 */
export default defineConfig({
  test: {
    include: ["test/image/**/*.check.ts"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 1_200_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
