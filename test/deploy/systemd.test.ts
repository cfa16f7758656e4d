/**
 * deploy/systemd/ocient-sso.service and the agent's template ocient-sso-agent@.service, checked by
 * systemd's own tools offline (no systemd runs here): `systemd-analyze verify` in a scratch root that
 * holds what the units name (systemd's unit directory, the ocient-sso command where npm installs it,
 * /bin/kill), and `systemd-analyze security --offline`, whose exposure score (0 best, 10 worst) must stay
 * at 1.5 or below. The agent's command line, with the settings its header shows, runs the real CLI.
 */
import { execFile } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentRunBlock } from "../support/agent-run.js";

const run = promisify(execFile);
const UNIT = resolve(import.meta.dirname, "../../deploy/systemd/ocient-sso.service");
const INSTALLED = "/etc/systemd/system/ocient-sso.service";
const AGENT_UNIT = resolve(import.meta.dirname, "../../deploy/systemd/ocient-sso-agent@.service");
const AGENT_INSTALLED = "/etc/systemd/system/ocient-sso-agent@.service";

let root: string;
let unit: string;
let agentUnit: string;

/** The values of `key=` in `text` (default: the service's unit), in order. */
const values = (key: string, text = unit) =>
  [...text.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => m[1] as string);

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
  agentUnit = await readFile(AGENT_UNIT, "utf8");
  await cp(AGENT_UNIT, join(root, AGENT_INSTALLED));
  for (const line of [...values("ExecStart"), ...values("ExecReload"), ...values("ExecStart", agentUnit)])
    await executable(line.split(" ")[0] as string);
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

describe("the agent's systemd template (ocient-sso-agent@.service)", () => {
  /** The example settings the header shows (`#   NAME=value` lines). */
  const settings = () =>
    Object.fromEntries(
      [...agentUnit.matchAll(/^# {3}(OCIENT_SSO_[A-Z_]+)=(.*)$/gm)].map((m) => [
        m[1] as string,
        m[2] as string,
      ]),
    );

  it("passes systemd-analyze verify as an instance, without a warning", async () => {
    const { code, output } = await analyze([
      "verify",
      "--man=no",
      `--root=${root}`,
      "ocient-sso-agent@sales.service",
    ]);
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("has an exposure score of 1.5 or less in systemd-analyze security", async () => {
    const { output } = await analyze([
      "security",
      "--offline=yes",
      "--threshold=15",
      `--root=${root}`,
      AGENT_INSTALLED,
    ]);
    const score = Number(
      output.match(/Overall exposure level for ocient-sso-agent@\S*\.service: ([\d.]+)/)?.[1],
    );
    expect(score).toBeLessThanOrEqual(1.5);
  });

  it("writes into a runtime directory its group reads, and names every setting the header shows", () => {
    expect(values("DynamicUser", agentUnit)).toEqual(["yes"]);
    expect(values("Group", agentUnit)).toEqual(["ocient-token"]);
    expect(values("RuntimeDirectory", agentUnit)).toEqual(["ocient-sso-agent/%i"]);
    expect(values("RuntimeDirectoryMode", agentUnit)).toEqual(["0750"]);
    expect(values("EnvironmentFile", agentUnit)).toEqual(["/etc/ocient-sso/agent/%i.env"]);
    const start = values("ExecStart", agentUnit)[0] as string;
    expect(start).toContain("--out /run/ocient-sso-agent/%i/token --mode 0640");
    const used = [...start.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]).sort();
    expect(used).toEqual(Object.keys(settings()).sort());
  });

  describe("its command line, run for real", () => {
    const agent = agentRunBlock();

    it("with the header's settings (the URL and the token command pointed here) writes the token the group reads", async () => {
      const target = agent();
      const env: Record<string, string> = {
        ...settings(),
        OCIENT_SSO_URL: target.url,
        OCIENT_SSO_DATABASE: "retail_analytics",
        OCIENT_SSO_TOKEN_COMMAND: `cat ${await target.identityFile()}`,
      };
      // systemd's own expansion: ${NAME} is one argument however many words it holds, %i the instance.
      const start = values("ExecStart", agentUnit)[0] as string;
      const args = start
        .split(" ")
        .slice(1)
        .map((word) =>
          word.replace(/^\$\{([A-Z_]+)\}$/, (_, name: string) => env[name] ?? "").replace("%i", "sales"),
        );
      const out = args.indexOf("--out");
      expect(args[out + 1]).toBe("/run/ocient-sso-agent/sales/token");
      args[out + 1] = target.out;
      expect((await target.once(args)).mode).toBe(0o640);
    });
  });
});
