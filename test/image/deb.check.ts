/**
 * The Debian package installed for real (`npm run test:image`): apt installs ocient-sso_<version>_all.deb
 * into a minimal Debian 13 trixie (base.ts: debootstrap from Debian's archive) and pulls Debian's own
 * nodejs for it. Then, in that root (`buildah run --isolation chroot`, on the host's loopback, where an
 * OpenID provider runs in this process), the installed /usr/bin/ocient-sso prints its version, serves as
 * an unprivileged user with the configuration and keys where the systemd unit puts them, exchanges an
 * id_token, stops on SIGTERM; and `apt-get purge` removes what the package installed but keeps the keys.
 * systemd itself cannot run here: the unit is checked by test/packages/deb.test.ts.
 */
import { execFile } from "node:child_process";
import { chown, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/bundle.js";
import { DEB_AGENT_UNIT, DEB_COMMAND, DEB_UNIT, packDeb } from "../../scripts/pack-deb.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { ensureDebianImage } from "./base.js";
import { runArgs, servedChecks, serveInBlock, sigtermCheck, writeServeConfig } from "./served.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
const BASE = "localhost/ocient-sso-check-debian:trixie";
/** An unprivileged user of the root, as systemd's DynamicUser would give the service. */
const UID = 61234;

const started = performance.now();
let base: { tag: string; made: boolean };
let installSeconds = 0;
let dir: string;
let container = "";
let provider: EmbeddedProvider;

/** `buildah run` in the working container, with the configuration and keys directories of the unit mounted. */
const inRoot = (command: string[]) => runArgs(container, dir, command);

const shell = async (script: string) =>
  (await run("buildah", inRoot(["sh", "-c", script]), { maxBuffer: 64 << 20 })).stdout;

beforeAll(async () => {
  base = await ensureDebianImage("trixie", BASE);
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-deb-check-"));
  await bundle(join(dir, "bundle/ocient-sso.mjs"));
  const deb = packDeb({
    bundle: join(dir, "bundle/ocient-sso.mjs"),
    root: join(dir, "deb-root"),
    outDir: dir,
  });
  await mkdir(join(dir, "etc"));
  await mkdir(join(dir, "keys"), { mode: 0o700 });
  await chown(join(dir, "keys"), UID, UID);
  container = (await run("buildah", ["from", "--pull=never", base.tag])).stdout.trim();
  await run("buildah", ["copy", container, deb, "/tmp/ocient-sso.deb"]);
  const installStarted = performance.now();
  await shell(
    "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends /tmp/ocient-sso.deb",
  );
  installSeconds = (performance.now() - installStarted) / 1000;
  provider = await startEmbeddedProvider();
}, 900_000);
afterAll(async () => {
  if (container) await run("buildah", ["rm", container]);
  await provider?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  console.log(
    `deb check: ${Math.round((performance.now() - started) / 1000)} s in all (Debian trixie base ${base?.made ? "made from Debian's archive" : "reused"}, apt install ${installSeconds.toFixed(1)} s)`,
  );
});

describe("the Debian package, installed by apt in Debian 13", () => {
  it("is installed at the project's version, with Debian's nodejs 20.19 or later", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format fields
    const status = await shell("dpkg-query -W -f '${Package} ${Status} ${Version}\\n' ocient-sso nodejs");
    expect(status).toContain(`ocient-sso install ok installed ${version}`);
    const node = status.match(/^nodejs install ok installed (\d+)\.(\d+)/m);
    expect(node).not.toBeNull();
    expect(Number(node?.[1]) * 100 + Number(node?.[2])).toBeGreaterThanOrEqual(2019);
  });

  it("puts the command on PATH, and the service's unit and the agent's template where systemd reads them", async () => {
    expect((await shell("command -v ocient-sso")).trim()).toBe(DEB_COMMAND);
    expect(await shell(`cat ${DEB_UNIT}`)).toContain(
      `ExecStart=${DEB_COMMAND} serve --config /etc/ocient-sso/config.yaml`,
    );
    expect(await shell(`cat ${DEB_AGENT_UNIT}`)).toContain(`ExecStart=${DEB_COMMAND} agent `);
    expect((await shell("ocient-sso --version")).trim()).toMatch(
      new RegExp(`^ocient-sso ${version.replaceAll(".", "\\.")} \\(node v\\d+\\.\\d+\\.\\d+\\)$`),
    );
  });

  it("has no keyring storage (its native addon is not in the package), and says so before any sign-in", async () => {
    const said = await shell(
      "HOME=/tmp ocient-sso login --url http://127.0.0.1:9 --database sales --token-storage keyring 2>&1; echo exit=$?",
    );
    expect(said).toMatch(
      /^ocient-sso login: the keyring is not available in this installation \(@napi-rs\/keyring: .+\); sign in with --token-storage file\nexit=1\n$/,
    );
  });

  describe("serving as an unprivileged user, configured as the unit expects", () => {
    const served = serveInBlock(async () => {
      await writeServeConfig(dir, provider);
      return inRoot([
        "setpriv",
        `--reuid=${UID}`,
        `--regid=${UID}`,
        "--clear-groups",
        "env",
        "NODE_ENV=production",
        DEB_COMMAND,
        "serve",
        "--config",
        "/etc/ocient-sso/config.yaml",
      ]);
    });
    servedChecks(served, {
      provider: () => provider,
      keyFile: () => join(dir, "keys/signing-keys.json"),
      uid: UID,
    });
    sigtermCheck(served);
  });

  it("is removed by apt-get purge, keeping the signing keys", async () => {
    await shell("DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ocient-sso");
    expect(await shell("dpkg-query -W ocient-sso 2>&1 || true")).toMatch(
      /no packages found matching ocient-sso/,
    );
    const listed = await shell(
      `ls ${DEB_COMMAND} ${DEB_UNIT} ${DEB_AGENT_UNIT} /usr/lib/ocient-sso 2>&1 || true`,
    );
    expect(listed.match(/No such file or directory/g)).toHaveLength(4);
    expect((await stat(join(dir, "keys/signing-keys.json"))).isFile()).toBe(true);
  });
});
