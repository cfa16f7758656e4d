/**
 * The CLI's keyring storage against a real Secret Service (GNOME Keyring on a D-Bus session bus of the
 * test's own, test/support/secret-service.ts), in a real terminal: `login --token-storage keyring` keeps
 * the token there and none in the profile's file, `token` reads it and a refresh replaces it there,
 * `profiles` lists without opening the keyring, `logout` and a later sign-in to the file leave no token
 * behind in it, and a token removed behind the CLI's back, a keyring that can't be reached or a wrong
 * storage name are each said clearly, never by a sign-in done for nothing. libsecret's secret-tool, another
 * client than the CLI's, reads what was stored.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEYRING_SERVICE } from "../../src/cli/sessions/keyring.js";
import { type CliTerminal, startCliTerminal } from "../support/cli-terminal.js";
import { type Harness, startHarness, verifyMinted } from "../support/harness.js";
import { rememberSecret, rememberToken } from "../support/log-collector.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { type SecretService, startSecretService } from "../support/secret-service.js";

const TTL_SECONDS = 6;
const JWT = /[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/;
let provider: EmbeddedProvider;
let h: Harness;
let keyring: SecretService;
let cli: CliTerminal;

beforeAll(async () => {
  provider = await startEmbeddedProvider({ deviceIntervalSeconds: 1 });
  rememberSecret(provider.signIn.clientSecret);
  h = await startHarness({ provider, token: { ttl_seconds: TTL_SECONDS } });
  keyring = await startSecretService();
  cli = await startCliTerminal("cli-keyring", {
    DBUS_SESSION_BUS_ADDRESS: keyring.env.DBUS_SESSION_BUS_ADDRESS,
  });
});
afterAll(async () => {
  await cli?.close();
  await keyring?.close();
  await h?.close();
  await provider?.close();
});

const verify = (token: string) => verifyMinted(h, token);

const fileOf = (profile: string) => join(cli.cacheDir, `${profile}.json`);
/** What the keyring holds for a profile, read with secret-tool. */
async function kept(profile: string): Promise<string | undefined> {
  const token = await keyring.lookup(KEYRING_SERVICE, fileOf(profile));
  if (token) rememberToken(token);
  return token;
}

/** `ocient-sso login` for `profile` with `flags`, the person confirming the code at the provider. */
let logins = 0;
async function signIn(profile: string, flags: string): Promise<{ output: string; status: number }> {
  const marker = `login-${++logins}`;
  await cli.term.type(
    `echo "<<${marker}"; ocient-sso login --url ${h.url} --database retail_analytics --profile ${profile} --no-browser ${flags}; echo "${marker}>> exit=$?"`,
  );
  const prompt = await cli.term.waitFor(
    new RegExp(`<<${marker}\\n[\\s\\S]*?confirm the code (\\S+):\\n {2}(\\S+)\\n`),
  );
  rememberSecret(prompt[1] as string);
  await provider.completeDeviceFlow(prompt[2] as string, "alice");
  const done = await cli.term.waitFor(new RegExp(`<<${marker}\\n([\\s\\S]*?)${marker}>> exit=(\\d+)`));
  return { output: done[1] ?? "", status: Number(done[2]) };
}

describe("ocient-sso login --token-storage keyring, with a real Secret Service", () => {
  let first: string;

  it("keeps the token in the keyring, and the profile's file holds none", async () => {
    const { output, status } = await signIn("default", "--token-storage keyring");
    expect(status, output).toBe(0);
    expect(output).toContain(`profile "default" kept in ${fileOf("default")}, its token in your keyring.\n`);
    const text = await readFile(fileOf("default"), "utf8");
    expect(text).not.toMatch(JWT);
    const record = JSON.parse(text);
    expect(record).toMatchObject({
      storage: "keyring",
      url: h.url,
      database: "retail_analytics",
      user: "alice",
    });
    expect(record).not.toHaveProperty("token");
    expect((await stat(fileOf("default"))).mode & 0o777).toBe(0o600);
    first = (await kept("default")) as string;
    expect(await verify(first)).toMatchObject({ sub: "alice", database: "retail_analytics" });
  });

  it("token prints the keyring's token; past its half-life the refresh replaces it there", async () => {
    const now = await cli.shell("ocient-sso token");
    expect(now.status, now.output).toBe(0);
    expect(now.output).toBe(`${first}\n`);
    const record = JSON.parse(await readFile(fileOf("default"), "utf8"));
    const halfLife = record.obtained_at + (record.expires_at - record.obtained_at) / 2;
    await new Promise((r) => setTimeout(r, Math.max(0, halfLife - Date.now()) + 500));
    const later = await cli.shell("ocient-sso token");
    expect(later.status, later.output).toBe(0);
    const fresh = later.output.trim();
    rememberToken(fresh);
    expect(fresh).not.toBe(first);
    expect(await verify(fresh)).toMatchObject({ sub: "alice" });
    expect(await kept("default")).toBe(fresh);
    const text = await readFile(fileOf("default"), "utf8");
    expect(text).not.toMatch(JWT);
    expect(JSON.parse(text).obtained_at).toBeGreaterThan(record.obtained_at);
  });

  it("profiles says where each token is kept, without opening the keyring", async () => {
    const listed = await cli.shell("DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent ocient-sso profiles");
    expect(listed.status, listed.output).toBe(0);
    expect(listed.output).toMatch(/STORED IN\n/);
    expect(listed.output).toMatch(
      new RegExp(`default\\s+${h.url}\\s+retail_analytics\\s+alice\\s+(expires \\S+|expired)\\s+keyring\\n`),
    );
  });

  it("a token removed from the keyring behind the CLI's back: token exits 3 with the login line", async () => {
    await keyring.clear(KEYRING_SERVICE, fileOf("default"));
    const after = await cli.shell("ocient-sso token");
    expect(after.status).toBe(3);
    expect(after.output).toBe(
      `ocient-sso token: the keyring no longer holds the token of profile "default": run ocient-sso login --url ${h.url} --database retail_analytics\n`,
    );
  });

  it("logout removes the keyring's entry with the file", async () => {
    expect((await signIn("second", "--token-storage keyring")).status).toBe(0);
    expect(await kept("second")).toMatch(JWT);
    const out = await cli.shell("ocient-sso logout --profile second");
    expect(out.output).toBe('Logged out of "second". Tokens already issued stay valid until they expire.\n');
    expect(await kept("second")).toBeUndefined();
    await expect(stat(fileOf("second"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("signing in again to the file (OCIENT_SSO_TOKEN_STORAGE) leaves no token behind in the keyring", async () => {
    expect((await signIn("third", "")).status).toBe(0);
    expect(JSON.parse(await readFile(fileOf("third"), "utf8"))).not.toHaveProperty("storage");
    await cli.term.type("export OCIENT_SSO_TOKEN_STORAGE=keyring");
    expect((await signIn("third", "")).status).toBe(0);
    expect(await kept("third")).toMatch(JWT);
    expect((await signIn("third", "--token-storage file")).status).toBe(0);
    await cli.term.type("unset OCIENT_SSO_TOKEN_STORAGE");
    expect(await kept("third")).toBeUndefined();
    const record = JSON.parse(await readFile(fileOf("third"), "utf8"));
    expect(record.token).toMatch(JWT);
    rememberToken(record.token);
  });

  it("no keyring to reach: login says so before anyone signs in, and keeps nothing", async () => {
    const out = await cli.shell(
      `DBUS_SESSION_BUS_ADDRESS=unix:path=${cli.dir}/no-bus ocient-sso login --url ${h.url} --database retail_analytics --profile nowhere --token-storage keyring`,
    );
    expect(out.status).toBe(1);
    expect(out.output).toMatch(
      /^ocient-sso login: cannot read from the keyring \(.+\); on a machine without one \(an SSH session, a container\), sign in with --token-storage file\n$/,
    );
    expect(out.output).not.toContain("To sign in");
    await expect(stat(fileOf("nowhere"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a storage that does not exist is wrong usage (exit 2)", async () => {
    const flag = await cli.shell(
      `ocient-sso login --url ${h.url} --database retail_analytics --token-storage vault`,
    );
    expect(flag.status).toBe(2);
    expect(flag.output).toContain('--token-storage must be file or keyring, not "vault"');
    const env = await cli.shell(
      `OCIENT_SSO_TOKEN_STORAGE=plain ocient-sso login --url ${h.url} --database retail_analytics`,
    );
    expect(env.status).toBe(2);
    expect(env.output).toContain('OCIENT_SSO_TOKEN_STORAGE must be file or keyring, not "plain"');
  });
});
