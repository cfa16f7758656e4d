/**
 * `npm run test:image` (.ci/run runs it after the suite): builds the Dockerfile for real and runs the
 * image. No image registry is reachable and `podman run` cannot start containers on these machines, so
 * the base is assembled here (base.ts: Debian's archive and the official Node 24 binary) and passed as
 * the Dockerfile's BASE_IMAGE; `buildah bud` builds the image from the release tarball `npm run build`
 * makes; `buildah run --isolation chroot` runs the image's own ENTRYPOINT and CMD, as its own user, with
 * the configuration and the keys volume mounted, on the host's loopback, where an OpenID provider
 * (oidc-provider, in this process) signs the id_token exchanged through it.
 */
import { execFile } from "node:child_process";
import { chown, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/bundle.js";
import { installNodeRuntime, pinnedNodeVersion } from "../../scripts/node-runtime.js";
import { packServer } from "../../scripts/pack-server.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { ensureBaseImage } from "./base.js";
import { runArgs, servedChecks, serveInBlock, sigtermCheck, writeServeConfig } from "./served.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const IMAGE = "localhost/ocient-sso:check";
/** The image's user (Dockerfile `USER`). */
const UID = 10001;

interface ImageConfig {
  User: string;
  Env: string[];
  Entrypoint: string[];
  Cmd: string[];
  Volumes: Record<string, unknown>;
  WorkingDir: string;
  ExposedPorts: Record<string, unknown>;
  Healthcheck: { Test: string[] };
}

const started = performance.now();
const nodeVersion = pinnedNodeVersion();
let base: { tag: string; made: boolean };
let buildSeconds = 0;
let config: ImageConfig;
let provider: EmbeddedProvider;
let dir: string;
let container = "";

/** `buildah run` in the working container, with the configuration and the keys volume mounted. */
const buildahRun = (command: string[], env: Record<string, string> = {}) =>
  runArgs(container, dir, command, env);

beforeAll(async () => {
  base = await ensureBaseImage(nodeVersion, installNodeRuntime(nodeVersion));
  await bundle();
  packServer();
  const buildStarted = performance.now();
  await run(
    "buildah",
    [
      "bud",
      "--isolation",
      "chroot",
      "--format",
      "docker",
      "--pull=never",
      "--build-arg",
      `BASE_IMAGE=${base.tag}`,
      "-t",
      IMAGE,
      "-f",
      "Dockerfile",
      ".",
    ],
    { cwd: root, maxBuffer: 64 << 20 },
  );
  buildSeconds = (performance.now() - buildStarted) / 1000;
  const inspected = JSON.parse((await run("buildah", ["inspect", "--type", "image", IMAGE])).stdout);
  config = inspected.Docker.config;
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-image-"));
  await mkdir(join(dir, "etc"));
  await mkdir(join(dir, "keys"), { mode: 0o700 });
  await chown(join(dir, "keys"), UID, UID);
  provider = await startEmbeddedProvider();
  container = (await run("buildah", ["from", "--pull=never", IMAGE])).stdout.trim();
  // The working container (not the image) forgets the declared VOLUME: with more than one --volume,
  // buildah 1.28 at times mounts an anonymous volume over the keys directory instead of ours.
  await run("buildah", ["config", "--volume", "/var/lib/ocient-sso-", container]);
});
afterAll(async () => {
  if (container) await run("buildah", ["rm", container]);
  await provider?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  const size = Number((await run("podman", ["image", "inspect", "--format", "{{.Size}}", IMAGE])).stdout);
  console.log(
    `image check: ${Math.round((performance.now() - started) / 1000)} s in all (base ${base?.made ? "made from Debian's archive" : "reused"}, build ${buildSeconds.toFixed(1)} s); image ${IMAGE} ${(size / 1e6).toFixed(0)} MB`,
  );
});

describe("the container image", () => {
  it("runs as a non-root user, keeps keys in a volume, reads its configuration from a mounted file, has a HEALTHCHECK", () => {
    expect(config.User).toBe(`${UID}:${UID}`);
    expect(Object.keys(config.Volumes)).toEqual(["/var/lib/ocient-sso"]);
    expect(config.Env).toContain("OCIENT_SSO_CONFIG=/etc/ocient-sso/config.yaml");
    expect(Object.keys(config.ExposedPorts)).toEqual(["8080/tcp"]);
    expect(config.Healthcheck.Test).toEqual(["CMD", "node", "/opt/ocient-sso/healthcheck.mjs"]);
    expect([...config.Entrypoint, ...config.Cmd]).toEqual([
      "node",
      "/opt/ocient-sso/ocient-sso.cjs",
      "serve",
    ]);
  });

  it("carries Node 24 LTS and the package's version", async () => {
    const { stdout } = await run("buildah", buildahRun([...config.Entrypoint, "--version"]));
    expect(stdout.trim()).toBe(
      `ocient-sso ${JSON.parse(await import("node:fs").then((fs) => fs.readFileSync(join(root, "package.json"), "utf8"))).version} (node v${nodeVersion})`,
    );
  });

  describe("started with its ENTRYPOINT and CMD", () => {
    let marker = "";
    const served = serveInBlock(async () => {
      await writeServeConfig(dir, provider);
      marker = join(dir, "marker");
      await writeFile(marker, "");
      return buildahRun([...config.Entrypoint, ...config.Cmd]);
    });
    servedChecks(served, {
      provider: () => provider,
      keyFile: () => join(dir, "keys/signing-keys.json"),
      uid: UID,
    });

    it("passes its HEALTHCHECK command", async () => {
      const [command, ...args] = config.Healthcheck.Test.slice(1);
      const healthy = await run(
        "buildah",
        buildahRun([command as string, ...args], { OCIENT_SSO_HEALTHCHECK_URL: `${served().url}/healthz` }),
      ).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
      expect(healthy).toBe(0);
    });

    it("runs ocient-sso agent as the Kubernetes sidecar does: the token file written in the volume, as its user", async () => {
      const { id_token } = await provider.issueTokens("alice");
      await writeFile(join(dir, "etc/platform-token"), id_token, { mode: 0o644 });
      const { stdout } = await run(
        "buildah",
        buildahRun([
          ...config.Entrypoint,
          "agent",
          ...["--url", served().url, "--database", "retail_analytics", "--kind", "id", "--once"],
          ...[
            "--token-file",
            "/etc/ocient-sso/platform-token",
            "--out",
            "/var/lib/ocient-sso/token",
            "--mode",
            "0640",
          ],
        ]),
      );
      expect(stdout).toContain("a token for alice on retail_analytics");
      const written = await stat(join(dir, "keys/token"));
      expect(written.uid).toBe(UID);
      expect(written.mode & 0o777).toBe(0o640);
    });

    it("wrote nothing outside its volume, so a read-only root filesystem works", async () => {
      const mount = (await run("buildah", ["mount", container])).stdout.trim();
      try {
        const { stdout } = await run("find", [
          mount,
          "-xdev",
          "-newer",
          marker,
          "-not",
          "-type",
          "d",
          "-print",
        ]);
        expect(
          stdout
            .split("\n")
            .filter(Boolean)
            .map((p) => p.slice(mount.length)),
        ).toEqual([]);
      } finally {
        await run("buildah", ["umount", container]);
      }
    });

    sigtermCheck(served);
  });
});
