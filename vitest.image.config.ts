import { defineConfig } from "vitest/config";

/** `npm run test:image`: builds the Dockerfile on a base made from Debian's archive and runs it (.ci/run). */
export default defineConfig({
  test: {
    include: ["test/image/**/*.check.ts"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 1_200_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
