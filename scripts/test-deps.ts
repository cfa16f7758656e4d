/**
 * The programs the tests start besides Node, from Debian's packages. `npm test` needs redis-server (shared
 * state), nginx (the load balancer in front of several instances), redis-sentinel (the failover test),
 * chromium (the browser sign-in), tmux (the CLI login in a real terminal), lintian (Debian's own check of
 * the Debian package), promtool (the alert rules and the dashboard's queries, from the prometheus
 * package) and a Secret Service (the CLI's keyring storage: dbus-daemon, dbus-send, gnome-keyring's daemon,
 * and libsecret's secret-tool reading what the CLI stored); `npm run test:image` needs podman and buildah (the container image) and debootstrap (the
 * Debian 13 base the Debian package is installed in). Run before the tests (`npm test`'s pretest,
 * `npm run test:image`'s with `--image`, `.ci/run`): installs what is missing with apt-get when running as
 * root, and otherwise prints the exact command to run and fails, so no test ever skips for want of a program.
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
  prometheus: "/usr/bin/promtool",
  "dbus-daemon": "/usr/bin/dbus-daemon",
  "dbus-bin": "/usr/bin/dbus-send",
  "gnome-keyring": "/usr/bin/gnome-keyring-daemon",
  "libsecret-tools": "/usr/bin/secret-tool",
} as const;

/** What `npm run test:image` starts: the image builders and the Debian base's maker. */
export const IMAGE_PROGRAMS = {
  podman: "/usr/bin/podman",
  buildah: "/usr/bin/buildah",
  debootstrap: "/usr/sbin/debootstrap",
} as const;

export type TestPackage = keyof typeof TEST_PROGRAMS;

export function missingPrograms(programs: Record<string, string> = TEST_PROGRAMS): string[] {
  return Object.keys(programs).filter((pkg) => !existsSync(programs[pkg] as string));
}

export function installCommand(packages: readonly string[]): string {
  return `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(" ")}`;
}

function main(): number {
  const programs = process.argv.includes("--image") ? IMAGE_PROGRAMS : TEST_PROGRAMS;
  const missing = missingPrograms(programs);
  if (missing.length === 0) {
    process.stdout.write(`test programs: ${Object.keys(programs).join(", ")} present\n`);
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
  const still = missingPrograms(programs);
  if (install.status !== 0 || still.length > 0) {
    process.stderr.write(`apt-get could not install ${still.join(", ") || missing.join(", ")}\n`);
    return 1;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exitCode = main();
