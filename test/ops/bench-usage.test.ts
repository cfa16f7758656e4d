/**
 * `npm run bench -- --help` and `npm run soak -- --help` print their usage; a wrong option prints what is
 * wrong and the usage, exit 2. Neither starts a measurement nor prints a stack trace.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "../support/spawn-cli.js";

const tsx = createRequire(join(root, "package.json")).resolve("tsx/cli");

function runScript(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsx, script, ...args],
      { cwd: root, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

describe.each([
  ["bench/run.ts", "npm run bench", "--rounds", "0"],
  ["bench/soak.ts", "npm run soak", "--seconds", "0"],
])("%s", (script, command, option, bad) => {
  it("--help prints the usage and exits 0", async () => {
    const r = await runScript(script, ["--help"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(new RegExp(`^Usage: ${command} -- `));
    expect(r.stdout).toContain(option);
  }, 60_000);

  it.each([[["--bogus"]], [[option, bad]]])(
    "%j prints the problem and the usage, exit 2, no stack",
    async (args) => {
      const r = await runScript(script, args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("Usage: ");
      expect(r.stderr).not.toMatch(/^\s+at /m);
    },
    60_000,
  );
});
