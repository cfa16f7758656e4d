/**
 * The Dockerfile's base for the image check. No image registry is reachable from these machines, so the
 * base is made from what the official node:24-bookworm-slim is made of: a minimal Debian bookworm root
 * filesystem from Debian's archive (debootstrap --variant=minbase, trimmed as Debian's slim images are)
 * with the official Node binary (scripts/node-runtime.ts) as /usr/local/bin/node, imported into the local
 * image store under a tag of its own, which the check passes as the Dockerfile's BASE_IMAGE. Made once;
 * later runs find it by that tag.
 */
import { execFile, spawn } from "node:child_process";
import { chmod, copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const MIRROR = process.env.OCIENT_SSO_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";
/** What Debian's slim images leave out, and apt's downloads. */
const TRIMMED = [
  "var/cache/apt/archives",
  "var/lib/apt/lists",
  "usr/share/doc",
  "usr/share/man",
  "usr/share/info",
  "usr/share/locale",
];

export const baseTag = (nodeVersion: string) =>
  `localhost/ocient-sso-check-base:node-${nodeVersion}-bookworm`;

export async function imageExists(tag: string): Promise<boolean> {
  return run("podman", ["image", "exists", tag]).then(
    () => true,
    () => false,
  );
}

/** Makes the base image unless it exists; says whether it was made now. */
export async function ensureBaseImage(
  nodeVersion: string,
  node: string,
): Promise<{ tag: string; made: boolean }> {
  return ensureDebianImage("bookworm", baseTag(nodeVersion), async (rootfs) => {
    await copyFile(node, join(rootfs, "usr/local/bin/node"));
    await chmod(join(rootfs, "usr/local/bin/node"), 0o755);
  });
}

/**
 * A minimal Debian `suite` (debootstrap --variant=minbase, trimmed as Debian's slim images are, apt
 * pointed at the same mirror), with `prepare` run on its root filesystem, imported as `tag` unless an
 * image of that tag exists; says whether it was made now.
 */
export async function ensureDebianImage(
  suite: string,
  tag: string,
  prepare: (rootfs: string) => Promise<void> = async () => {},
): Promise<{ tag: string; made: boolean }> {
  if (await imageExists(tag)) return { tag, made: false };
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-base-"));
  try {
    const rootfs = join(dir, "rootfs");
    await run("debootstrap", ["--variant=minbase", suite, rootfs, MIRROR], { maxBuffer: 64 << 20 });
    await run("find", TRIMMED.map((d) => join(rootfs, d)).concat(["-mindepth", "1", "-delete"]));
    await prepare(rootfs);
    await importRootfs(rootfs, tag);
    return { tag, made: true };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `tar -C rootfs -c . | podman import - tag`, with the environment the official image sets. */
function importRootfs(rootfs: string, tag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn("tar", ["-C", rootfs, "--numeric-owner", "-c", "."], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const importer = spawn(
      "podman",
      [
        "import",
        "--change",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--change",
        'CMD ["node"]',
        "-",
        tag,
      ],
      { stdio: ["pipe", "ignore", "inherit"] },
    );
    tar.stdout.pipe(importer.stdin);
    tar.on("error", reject);
    importer.on("error", reject);
    importer.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`podman import exited ${code}`)),
    );
  });
}
