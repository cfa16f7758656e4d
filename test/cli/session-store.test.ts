/**
 * The CLI's token cache refuses what it can't trust, naming the file: a corrupt file, one of another
 * user, one others can read, a symbolic link, an open directory, a profile name that is a path. And a
 * session the service no longer refreshes ends in SignInNeeded (exit 3), never in a stale token.
 */
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CliError, SignInNeeded } from "../../src/cli/command.js";
import { freshToken } from "../../src/cli/sessions/fresh-token.js";
import { type Session, SessionStore } from "../../src/cli/sessions/session-store.js";
import { type Harness, startHarness } from "../support/harness.js";

let root: string;
let store: SessionStore;
let h: Harness;

const session = (over: Partial<Session> = {}): Session => ({
  url: "http://127.0.0.1:9",
  database: "retail_analytics",
  user: "alice",
  token: "aaa.bbb.ccc",
  obtained_at: Date.now(),
  expires_at: Date.now() + 3_600_000,
  ...over,
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ocient-sso-cache-"));
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  await rm(root, { recursive: true, force: true });
});
let n = 0;
beforeEach(() => {
  store = new SessionStore(join(root, `c${++n}`, "profiles"));
});

describe("the token cache", () => {
  it("writes a 0600 file in a 0700 directory, and reads back what it wrote", async () => {
    await store.write("prod", session());
    expect((await stat(store.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(store.pathOf("prod"))).mode & 0o777).toBe(0o600);
    expect(await store.read("prod")).toEqual(
      session({ obtained_at: expect.any(Number), expires_at: expect.any(Number) }),
    );
    expect(await store.profiles()).toEqual(["prod"]);
  });

  it("a profile with no file has no session", async () => {
    expect(await store.read("none")).toBeUndefined();
  });

  it.each([
    ["not JSON", "{ half a file"],
    ["another shape", JSON.stringify({ format: 1, url: "http://x", token: 42 })],
    ["a URL that is not http(s)", JSON.stringify({ format: 1, ...session({ url: "file:///etc/passwd" }) })],
    ["a token that is not a JWS", JSON.stringify({ format: 1, ...session({ token: "x y" }) })],
    ["a token beside storage keyring", JSON.stringify({ format: 1, ...session(), storage: "keyring" })],
    ["a storage that does not exist", JSON.stringify({ format: 1, ...session(), storage: "vault" })],
  ])("refuses a corrupt file (%s), naming it", async (_, text) => {
    await store.ensureDir();
    await writeFile(store.pathOf("p"), text, { mode: 0o600 });
    await expect(store.read("p")).rejects.toThrow(
      `refusing the cache file ${store.pathOf("p")}: it is corrupt; remove it (ocient-sso logout --profile p) and sign in again`,
    );
  });

  it("refuses a file others can read", async () => {
    await store.write("p", session());
    await chmod(store.pathOf("p"), 0o644);
    await expect(store.read("p")).rejects.toThrow(
      `refusing the cache file ${store.pathOf("p")}: mode 644 lets others in (must be 600)`,
    );
  });

  it.skipIf(process.getuid?.() !== 0)("refuses a file of another user (run as root: chown)", async () => {
    await store.write("p", session());
    await chown(store.pathOf("p"), 4242, 4242);
    await expect(store.read("p")).rejects.toThrow(
      `refusing the cache file ${store.pathOf("p")}: it belongs to uid 4242, not to you (uid 0)`,
    );
  });

  it("refuses a symbolic link, even to a good file", async () => {
    await store.write("real", session());
    await symlink(store.pathOf("real"), store.pathOf("link"));
    await expect(store.read("link")).rejects.toThrow(
      `refusing the cache file ${store.pathOf("link")}: not a regular file`,
    );
  });

  it("refuses a cache directory others can enter", async () => {
    await store.write("p", session());
    await chmod(store.dir, 0o755);
    await expect(store.read("p")).rejects.toThrow(`refusing the cache directory ${store.dir}: mode 755`);
  });

  it.each(["../evil", "a/b", ".hidden", "", "x".repeat(65)])("refuses the profile name %j", (name) => {
    expect(() => store.pathOf(name)).toThrow(CliError);
  });

  it("replaces a file atomically: no temporary file is left", async () => {
    await store.write("p", session({ user: "one" }));
    await store.write("p", session({ user: "two" }));
    expect((await store.read("p"))?.user).toBe("two");
    await mkdir(store.dir, { recursive: true });
    expect(await store.profiles()).toEqual(["p"]);
    expect(JSON.parse(await readFile(store.pathOf("p"), "utf8")).format).toBe(1);
  });
});

describe("freshToken", () => {
  it("a session the service no longer refreshes (401) is SignInNeeded, exit 3, with the login line", async () => {
    await store.write(
      "p",
      session({ url: h.url, obtained_at: Date.now() - 10_000, expires_at: Date.now() + 1 }),
    );
    const err = await freshToken(store, "p", { warn: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignInNeeded);
    expect((err as SignInNeeded).exitCode).toBe(3);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^the session of profile "p" has ended \\(.+\\): run ocient-sso login --url ${h.url} --database retail_analytics --profile p$`,
      ),
    );
  });

  it("a refresh that can't reach the service leaves a still valid token in use, with a warning", async () => {
    const warnings: string[] = [];
    await store.write("p", session({ obtained_at: Date.now() - 60_000, expires_at: Date.now() + 60_000 }));
    expect(await freshToken(store, "p", { warn: (w) => warnings.push(w) })).toBe("aaa.bbb.ccc");
    expect(warnings.join("")).toMatch(
      /the refresh failed, the current token stays in use: token refresh failed \(no response/,
    );
  });
});
