/**
 * vitest globalSetup: creates the run directory every test process writes its log lines and token
 * fragments to (log-collector.ts). The summary reporter scans it after the last file; the directory
 * is removed afterwards unless the scan found a leak (it is kept for inspection then).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LEAK_REPORT, RUN_DIR_ENV } from "./log-scan.js";

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "ocient-sso-logs-"));
  // Test processes are forked after globalSetup and inherit the environment.
  process.env[RUN_DIR_ENV] = dir;
  return function teardown() {
    if (!existsSync(join(dir, LEAK_REPORT))) rmSync(dir, { recursive: true, force: true });
  };
}
