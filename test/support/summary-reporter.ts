/** Prints `N passed, N failed` (and `, N skipped` when any) as the very last line of a run. */
import type { Reporter, TestModule } from "vitest/node";

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
    process.stdout.write(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}\n`);
  }
}
