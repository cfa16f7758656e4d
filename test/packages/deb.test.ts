/**
 * The Debian package as scripts/pack-deb.ts builds it, read with dpkg-deb and run where it unpacks: its
 * control fields, its files and their modes, the command through its /usr/bin link, the systemd unit
 * (`systemd-analyze verify`, and the same hardening as deploy/systemd's), the maintainer scripts, and
 * Debian's lintian, which must find nothing. Its
 * installation by apt in Debian 13 with Debian's own nodejs is test/image/deb.check.ts (npm run test:image).
 */
import { execFile } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/bundle.js";
import { DEB_AGENT_UNIT, DEB_COMMAND, DEB_NODE, DEB_UNIT, packDeb } from "../../scripts/pack-deb.js";
import { programPath } from "../support/programs.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { serveConfigYaml } from "../support/serve-config.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8"));

let dir: string;
let deb: string;
/** Where the package is unpacked (dpkg-deb -x), as it would lie under / once installed. */
let unpacked: string;
let provider: EmbeddedProvider;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-deb-"));
  // Its own bundle, so the package test never races another test file writing dist/.
  await bundle(join(dir, "bundle/ocient-sso.mjs"));
  deb = packDeb({ bundle: join(dir, "bundle/ocient-sso.mjs"), root: join(dir, "root"), outDir: dir });
  unpacked = join(dir, "unpacked");
  await run("dpkg-deb", ["-x", deb, unpacked]);
  provider = await startEmbeddedProvider();
}, 120_000);
afterAll(async () => {
  await provider?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const field = async (name: string) => (await run("dpkg-deb", ["--field", deb, name])).stdout.trim();

describe("the Debian package", () => {
  it("is ocient-sso at the project's version, for every architecture, needing Node.js 20.19 or later", async () => {
    expect(deb).toMatch(new RegExp(`/ocient-sso_${manifest.version.replaceAll(".", "\\.")}_all\\.deb$`));
    expect(await field("Package")).toBe("ocient-sso");
    expect(await field("Version")).toBe(manifest.version);
    expect(await field("Architecture")).toBe("all");
    expect(await field("Depends")).toBe(`nodejs (>= ${DEB_NODE})`);
    // The same floor as the npm package's engines.
    expect(manifest.engines.node).toContain(`^${DEB_NODE}.0`);
  });

  it("holds the command, its unit and its documents, owned by root, nothing writable but by root", async () => {
    const { stdout } = await run("dpkg-deb", ["--contents", deb]);
    const entries = stdout
      .trim()
      .split("\n")
      .map((line) => {
        const [mode, owner, , , , path, ...rest] = line.split(/\s+/);
        return { mode, owner, path: [path, ...rest].join(" ") };
      });
    const files = entries.filter((e) => !e.mode?.startsWith("d")).map((e) => `${e.mode} ${e.path}`);
    expect(files.sort()).toEqual(
      [
        "-rwxr-xr-x ./usr/lib/ocient-sso/ocient-sso.cjs",
        "-rwxr-xr-x ./usr/lib/ocient-sso/ocient-sso.mjs",
        `-rw-r--r-- .${DEB_UNIT}`,
        `-rw-r--r-- .${DEB_AGENT_UNIT}`,
        "-rw-r--r-- ./usr/share/doc/ocient-sso/README.md",
        "-rw-r--r-- ./usr/share/doc/ocient-sso/CHANGELOG.md.gz",
        "-rw-r--r-- ./usr/share/doc/ocient-sso/changelog.gz",
        "-rw-r--r-- ./usr/share/doc/ocient-sso/copyright",
        "-rw-r--r-- ./usr/share/man/man1/ocient-sso.1.gz",
        `lrwxrwxrwx .${DEB_COMMAND} -> ../lib/ocient-sso/ocient-sso.cjs`,
      ].sort(),
    );
    expect(new Set(entries.map((e) => e.owner))).toEqual(new Set(["root/root"]));
    for (const e of entries.filter((e) => e.mode?.startsWith("d"))) expect(e.mode).toBe("drwxr-xr-x");
  });

  it("runs as /usr/bin/ocient-sso: --version, and check-config resolves the provider", async () => {
    const command = join(unpacked, DEB_COMMAND);
    const { stdout } = await run(command, ["--version"]);
    expect(stdout).toMatch(
      new RegExp(`^ocient-sso ${manifest.version.replaceAll(".", "\\.")} \\(node v\\d+`),
    );
    await mkdir(join(dir, "keys"), { mode: 0o700 });
    await writeFile(join(dir, "config.yaml"), serveConfigYaml({ provider, keysDir: join(dir, "keys") }));
    const checked = await run(command, ["check-config", join(dir, "config.yaml")]);
    expect(checked.stdout).toContain(provider.issuer);
  });

  it.each([
    [DEB_UNIT, "ocient-sso.service", "serve --config /etc/ocient-sso/config.yaml"],
    [
      DEB_AGENT_UNIT,
      "ocient-sso-agent@.service",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's own ${NAME} expansion, written literally
      "agent --url ${OCIENT_SSO_URL} --database ${OCIENT_SSO_DATABASE} --token-command ${OCIENT_SSO_TOKEN_COMMAND} --kind id --out /run/ocient-sso-agent/%i/token --mode 0640",
    ],
  ])(
    "has the unit %s of deploy/systemd, running /usr/bin/ocient-sso, with every setting kept",
    async (unit, deployedName, args) => {
      const settings = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
      const packaged = settings(await readFile(join(unpacked, unit), "utf8"));
      const deployed = settings(await readFile(join(root, "deploy/systemd", deployedName), "utf8"));
      const differing = (a: string[], b: string[]) => a.filter((l) => !b.includes(l));
      expect(differing(packaged, deployed)).toEqual([
        "Documentation=file:///usr/share/doc/ocient-sso/README.md",
        `ExecStart=${DEB_COMMAND} ${args}`,
      ]);
      expect(differing(deployed, packaged)).toEqual([
        "Documentation=https://www.npmjs.com/package/@ocient-sso/server",
        `ExecStart=/usr/local/bin/ocient-sso ${args}`,
      ]);
    },
  );

  it("whose units pass systemd-analyze verify where the package is installed", async () => {
    const system = join(dir, "system");
    await cp(unpacked, system, { recursive: true, verbatimSymlinks: true });
    await cp("/usr/lib/systemd/system", join(system, "usr/lib/systemd/system"), {
      recursive: true,
      force: false,
    });
    await cp(join(unpacked, DEB_UNIT), join(system, DEB_UNIT));
    await cp(join(unpacked, DEB_AGENT_UNIT), join(system, DEB_AGENT_UNIT));
    await mkdir(join(system, "bin"), { recursive: true });
    await writeFile(join(system, "bin/kill"), "#!/bin/sh\n");
    await chmod(join(system, "bin/kill"), 0o755);
    // The agent's template is verified as the instance an administrator enables.
    for (const unit of [DEB_UNIT, "ocient-sso-agent@sales.service"]) {
      const verify = await run("systemd-analyze", ["verify", "--man=no", `--root=${system}`, unit]).then(
        ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
        (err: { code: number; stdout: string; stderr: string }) => ({
          code: err.code,
          output: err.stdout + err.stderr,
        }),
      );
      expect(verify, unit).toEqual({ code: 0, output: "" });
    }
  });

  it("passes lintian, Debian's own package check, without an error or a warning", async () => {
    const { stdout, stderr } = await run(programPath("lintian"), ["--tag-display-limit", "0", deb]).catch(
      (err: { stdout: string; stderr: string }) => err,
    );
    const findings = `${stdout}${stderr}`.split("\n").filter((line) => /^[EW]: /.test(line));
    expect(findings).toEqual([]);
  });

  it("has maintainer scripts that parse, and start nothing on a first install", async () => {
    const control = join(dir, "control");
    await run("dpkg-deb", ["--control", deb, control]);
    for (const script of ["postinst", "prerm", "postrm"]) await run("sh", ["-n", join(control, script)]);
    const postinst = await readFile(join(control, "postinst"), "utf8");
    // Only an upgrade (configure with the old version as $2) restarts a running service.
    expect(postinst).toMatch(
      /if \[ -n "\$2" \]; then\n\s+deb-systemd-invoke try-restart ocient-sso\.service/,
    );
    expect(postinst).not.toMatch(/(deb-systemd-invoke|deb-systemd-helper|systemctl) (enable|start) /);
    // The signing keys stay, even on purge.
    expect(await readFile(join(control, "postrm"), "utf8")).not.toContain("/var/lib/ocient-sso");
  });
});
