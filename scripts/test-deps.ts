/**
 * The programs the test suite starts besides Node: Debian's redis-server (shared state), nginx (the load
 * balancer in front of several instances), redis-sentinel (the failover test), chromium (the browser sign-in),
 * tmux (the CLI login in a real terminal) and lintian (Debian's own check of the Debian package). Run before the tests
 * (`npm test`'s pretest, `.ci/run`): installs what is missing with apt-get when running as root, and
 * otherwise prints the exact command to run and fails, so no test ever skips for want of a program.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Debian package → the executable it installs. */
export const TEST_PROGRAMS = {
  "redis-server": "/usr/bin/redis-server",
  "redis-sentinel": "/usr/bin/redis-sentinel",
  nginx: "/usr/sbin/nginx",
  chromium: "/usr/bin/chromium",
  tmux: "/usr/bin/tmux",
  lintian: "/usr/bin/lintian",
} as const;

export type TestPackage = keyof typeof TEST_PROGRAMS;

export function missingPrograms(): TestPackage[] {
  return (Object.keys(TEST_PROGRAMS) as TestPackage[]).filter((pkg) => !existsSync(TEST_PROGRAMS[pkg]));
}

export function installCommand(packages: readonly string[]): string {
  return `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(" ")}`;
}

function main(): number {
  const missing = missingPrograms();
  if (missing.length === 0) {
    process.stdout.write(`test programs: ${Object.keys(TEST_PROGRAMS).join(", ")} present\n`);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `the tests need ${missing.join(", ")}; install them as root:\n  ${installCommand(missing)}\n`,
    );
    return 1;
  }
  process.stdout.write(`installing ${missing.join(", ")} (apt-get)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
  const install = spawnSync("apt-get", ["install", "-y", "-q", ...missing], { stdio: "inherit", env });
  const still = missingPrograms();
  if (install.status !== 0 || still.length > 0) {
    process.stderr.write(`apt-get could not install ${still.join(", ") || missing.join(", ")}\n`);
    return 1;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exitCode = main();
