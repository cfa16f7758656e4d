/**
 * Prints `N passed, N failed` (and `, N skipped` when any) as the very last line of a run. Before it,
 * the suite-wide log scan (log-scan.ts) runs over every file's log lines; a leak counts as one failure
 * and fails the run. It runs here, not in globalSetup's teardown, because vitest only logs a teardown
 * error ("error during close") and still exits 0, after this line has already said "0 failed".
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Reporter, TestModule } from "vitest/node";
import { LEAK_REPORT, RUN_DIR_ENV, scanRunDir } from "./log-scan.js";

/** Failures of the log scan (0 or 1), printed as it goes. */
function scanLogs(): number {
  const dir = process.env[RUN_DIR_ENV];
  if (!dir) return 0;
  const { lines, fragments, leaks } = scanRunDir(dir);
  if (leaks.length === 0) {
    process.stdout.write(`log scan: ${lines} log lines, ${fragments} token and secret fragments, no leak\n`);
    return 0;
  }
  const shown = leaks.slice(0, 20).map((l) => `  ${dir}/${l.file}:${l.lineNumber} carries ${l.fragment}\n`);
  const report = `log scan FAILED: ${leaks.length} log line(s) carry a token or secret fragment:\n${shown.join("")}`;
  // Tells global-setup's teardown to keep the directory for inspection.
  writeFileSync(join(dir, LEAK_REPORT), report);
  process.stdout.write(report);
  process.exitCode = 1;
  return 1;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const testModule of testModules) {
      let failedHere = 0;
      for (const test of testModule.children.allTests()) {
        const { state } = test.result();
        if (state === "passed") passed++;
        else if (state === "failed") failedHere++;
        else if (state === "skipped") skipped++;
      }
      // A file that failed outside any test (import error, failing hook) counts as one failure.
      if (failedHere === 0 && testModule.state() === "failed") failedHere = 1;
      failed += failedHere;
    }
    failed += scanLogs();
    process.stdout.write(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}\n`);
  }
}
