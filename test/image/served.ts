/**
 * What the image check and the Debian package check both ask of `ocient-sso serve` once it runs in its
 * root (`buildah run --isolation chroot`, on the host's loopback): the entry sized the thread pool, it
 * answers /healthz and exchanges an id_token of the provider, it wrote its signing key as its own user
 * with no access for others, and SIGTERM ends it with exit 0. Each check registers these in its own
 * describe block, in that order, with its own checks between them (`sigtermCheck` goes last).
 */
import { chmod, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../support/ports.js";
import type { EmbeddedProvider } from "../support/provider.js";
import { exchangeThrough, serveConfigYaml } from "../support/serve-config.js";
import { type RunningCli, startProgram } from "../support/spawn-cli.js";

/**
 * `buildah run` arguments for `command` in `container` (chroot isolation, the host's network), with
 * `dir`/keys mounted as /var/lib/ocient-sso and `dir`/etc read-only as /etc/ocient-sso, where the image
 * and the systemd unit keep them.
 */
export function runArgs(
  container: string,
  dir: string,
  command: string[],
  env: Record<string, string> = {},
): string[] {
  return [
    "run",
    "--isolation",
    "chroot",
    "--volume",
    `${join(dir, "keys")}:/var/lib/ocient-sso`,
    "--volume",
    `${join(dir, "etc")}:/etc/ocient-sso:ro`,
    ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
    container,
    "--",
    ...command,
  ];
}

/** `dir`/etc/config.yaml (readable by the server's user): trusts `provider`, keys in /var/lib/ocient-sso, a free port. */
export async function writeServeConfig(dir: string, provider: EmbeddedProvider): Promise<void> {
  const port = await freePort();
  await writeFile(
    join(dir, "etc/config.yaml"),
    serveConfigYaml({ provider, keysDir: "/var/lib/ocient-sso", port }),
  );
  await chmod(join(dir, "etc/config.yaml"), 0o644);
}

export interface Served {
  server: RunningCli;
  url: string;
}

/** Runs `buildah` with `args` before the block's tests (until it says where it listens), and kills it after. */
export function serveInBlock(args: () => Promise<string[]>): () => Served {
  let served: Served | undefined;
  beforeAll(async () => {
    const server = startProgram("buildah", await args());
    const url = (await server.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1] as string;
    served = { server, url };
  }, 120_000);
  afterAll(async () => {
    if (served && served.server.child.exitCode === null) {
      served.server.child.kill("SIGKILL");
      await served.server.exited;
    }
  });
  return () => {
    if (!served) throw new Error("not serving");
    return served;
  };
}

export function servedChecks(
  get: () => Served,
  { provider, keyFile, uid }: { provider: () => EmbeddedProvider; keyFile: () => string; uid: number },
): void {
  it("sizes libuv's thread pool itself (the entry), with no UV_THREADPOOL_SIZE from the operator", () => {
    expect(get().server.stdout).toMatch(/"threadpool":\{"size":\d+,"from":"ocient-sso"/);
  });

  it("answers /healthz and /readyz, and exchanges the provider's id_token for a token", async () => {
    const { url } = get();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const { status, body } = await exchangeThrough(url, provider());
    expect(status).toBe(200);
    expect(body).toMatchObject({ database: "retail_analytics", token_type: "Bearer" });
  });

  it("made its signing key as its own user, readable by no one else", async () => {
    const key = await stat(keyFile());
    expect(key.uid).toBe(uid);
    expect(key.mode & 0o077).toBe(0);
  });
}

export function sigtermCheck(get: () => Served): void {
  it("stops on SIGTERM, exit 0", async () => {
    // What a container runtime or systemd signals: the server's process (chroot isolation shares the host's PIDs).
    const { server } = get();
    const pid = Number(server.stdout.match(/"pid":(\d+)/)?.[1]);
    process.kill(pid, "SIGTERM");
    expect((await server.exited).code).toBe(0);
  }, 60_000);
}
