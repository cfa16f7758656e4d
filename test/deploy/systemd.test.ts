/**
 * deploy/systemd/ocient-sso.service, checked by systemd's own tools offline (no systemd runs here):
 * `systemd-analyze verify` in a scratch root that holds what the unit names (systemd's unit directory,
 * the ocient-sso command where npm installs it, /bin/kill), and `systemd-analyze security --offline`,
 * whose exposure score (0 best, 10 worst) must stay at 1.5 or below.
 */
import { execFile } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const UNIT = resolve(import.meta.dirname, "../../deploy/systemd/ocient-sso.service");
const INSTALLED = "/etc/systemd/system/ocient-sso.service";

let root: string;
let unit: string;

/** The values of `key=` in the unit, in order. */
const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => m[1]);

async function executable(path: string): Promise<void> {
  await mkdir(join(root, dirname(path)), { recursive: true });
  await writeFile(join(root, path), "#!/bin/sh\n");
  await chmod(join(root, path), 0o755);
}

beforeAll(async () => {
  unit = await readFile(UNIT, "utf8");
  root = await mkdtemp(join(tmpdir(), "ocient-sso-systemd-"));
  await cp("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true });
  await mkdir(join(root, "etc/systemd/system"), { recursive: true });
  await cp(UNIT, join(root, INSTALLED));
  for (const line of [...values("ExecStart"), ...values("ExecReload")])
    await executable((line as string).split(" ")[0] as string);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function analyze(args: string[]): Promise<{ code: number; output: string }> {
  return run("systemd-analyze", args).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      output: err.stdout + err.stderr,
    }),
  );
}

describe("the systemd unit", () => {
  it("passes systemd-analyze verify without a warning", async () => {
    const { code, output } = await analyze(["verify", "--man=no", `--root=${root}`, INSTALLED]);
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("a misspelled setting would not pass: verify warns (the check above can fail)", async () => {
    const broken = join(root, "etc/systemd/system/broken.service");
    await writeFile(broken, unit.replace("ProtectSystem=strict", "ProtectSystem=strikt"));
    const { output } = await analyze([
      "verify",
      "--man=no",
      `--root=${root}`,
      "/etc/systemd/system/broken.service",
    ]);
    expect(output).toMatch(/ProtectSystem|protect system/i);
  });

  it("has an exposure score of 1.5 or less in systemd-analyze security", async () => {
    const { code, output } = await analyze([
      "security",
      "--offline=yes",
      "--threshold=15",
      `--root=${root}`,
      INSTALLED,
    ]);
    const score = Number(output.match(/Overall exposure level for ocient-sso\.service: ([\d.]+)/)?.[1]);
    expect(score).toBeLessThanOrEqual(1.5);
    expect(code).toBe(0);
  });

  it("runs the installed command as its own user, keeps keys in its state directory, reloads on SIGHUP, restarts on failure", () => {
    expect(values("ExecStart")).toEqual([
      "/usr/local/bin/ocient-sso serve --config /etc/ocient-sso/config.yaml",
    ]);
    expect(values("ExecReload")).toEqual(["/bin/kill -HUP $MAINPID"]);
    expect(values("DynamicUser")).toEqual(["yes"]);
    expect(values("StateDirectory")).toEqual(["ocient-sso"]);
    expect(values("StateDirectoryMode")).toEqual(["0700"]);
    expect(values("ProtectSystem")).toEqual(["strict"]);
    expect(values("NoNewPrivileges")).toEqual(["yes"]);
    expect(values("Restart")).toEqual(["on-failure"]);
  });
});
