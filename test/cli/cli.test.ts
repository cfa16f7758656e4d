import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands, runCli } from "../../src/cli/run.js";
import { type Harness, startHarness } from "../support/harness.js";
import { memoryIo } from "../support/memory-io.js";
import { root, runCliProcess } from "../support/spawn-cli.js";

let h: Harness;
let dir: string;
let closedPort: number;

/** A loopback port nothing listens on (fetch refuses "bad ports" such as 9 before connecting). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  [h, dir, closedPort] = await Promise.all([
    startHarness(),
    mkdtemp(join(tmpdir(), "ocient-sso-cli-")),
    freePort(),
  ]);
}, 30_000);
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("usage", () => {
  it("--help works for the program and every command (subprocesses)", async () => {
    const names = ["", ...commands.map((c) => c.name)];
    const results = await Promise.all(names.map((n) => runCliProcess(n ? [n, "--help"] : ["--help"])));
    results.forEach((r, i) => {
      expect(r.code, names[i]).toBe(0);
      expect(r.stdout).toMatch(/^Usage: ocient-sso/);
      expect(r.stderr).toBe("");
    });
    expect(results[0]?.stdout).toContain("check-config");
  }, 60_000);

  it("--version prints the package version and the Node.js version (subprocess)", async () => {
    const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
    const r = await runCliProcess(["--version"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(`ocient-sso ${version} (node ${process.version})\n`);
  }, 30_000);

  it("loads each listed command under its own name", async () => {
    for (const entry of commands) expect((await entry.load()).name).toBe(entry.name);
  });

  it.each([
    ["serve", "--port", "9"],
    ["check-config", "--verbose"],
    ["keys", "list", "--file", "x", "--nope"],
    ["exchange", "--id_token", "t"],
    ["dev", "--bogus"],
  ])("%s: an unknown flag prints the usage and exits 2", async (...argv) => {
    const io = memoryIo();
    expect(await runCli(argv, io)).toBe(2);
    expect(io.err).toMatch(/Unknown option/);
    expect(io.err).toContain(`Usage: ocient-sso`);
    expect(io.out).toBe("");
  });

  it("an unknown command exits 2, a real subprocess too", async () => {
    const r = await runCliProcess(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });
});

describe("check-config", () => {
  it("lists every problem by its path and exits 1 (subprocess)", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(
      file,
      [
        "token:",
        "  issuer: not-a-url",
        "integrations:",
        "  - name: corp",
        "    issuer: https://idp.example.com",
        "    audiences: []",
        "databases:",
        "  system: {}",
      ].join("\n"),
    );
    const r = await runCliProcess(["check-config", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("integrations[0].audiences: must be a non-empty list");
    expect(r.stderr).toContain("token.issuer: must be an http(s) URL");
    expect(r.stdout).toBe("");
  }, 30_000);

  it("prints discovery results, databases and the effective configuration with secrets redacted", async () => {
    const file = join(dir, "good.yaml");
    const secret = "s3cr3t-from-the-environment";
    await writeFile(
      file,
      `
server: { port: 0 }
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(join(dir, "keys.json"))} }
integrations:
  - name: dev
    issuer: ${h.provider.issuer}
    audiences: [${h.provider.clientId}]
    groups_claim: groups
    access_tokens:
      introspection: { client_id: ${h.provider.introspection.clientId}, client_secret: "\${SSO_TEST_SECRET}" }
  - name: down
    issuer: http://127.0.0.1:${closedPort}
    audiences: [x]
databases:
  system: { integration: dev }
  retail_analytics: { groups: [analysts] }
  ops: { integration: down, users: [carol] }
`,
    );
    const r = await runCliProcess(["check-config", file], { env: { SSO_TEST_SECRET: secret } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /dev\s+http:\/\/127\.0\.0\.1:\d+\s+ok \(discovery, introspection, \d+ signing keys?\)/,
    );
    expect(r.stdout).toMatch(
      new RegExp(`down\\s+http://127\\.0\\.0\\.1:${closedPort}\\s+unreachable: .*ECONNREFUSED`),
    );
    expect(r.stdout).toMatch(/retail_analytics\s+dev \(inherited from system\)\s+http\S+\s+group:analysts/);
    expect(r.stdout).toMatch(/ops\s+down\s+http:\/\/127\.0\.0\.1:\d+\s+user:carol/);
    expect(r.stdout).toMatch(/client_secret: "\[redacted\]"/);
    expect(r.stdout).toContain("ttl_seconds: 3600");
    expect(r.stdout).not.toContain(secret);
  }, 30_000);

  // biome-ignore lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's placeholder, written literally
  it("reports an unset ${ENV} as a problem", async () => {
    const file = join(dir, "env.yaml");
    await writeFile(
      file,
      `token: { issuer: "http://127.0.0.1:8080" }
integrations: [{ name: a, issuer: "http://127.0.0.1:9", audiences: [x], access_tokens: { introspection: { client_id: c, client_secret: "\${NOT_SET_ANYWHERE}" } } }]
databases: { system: { integration: a } }
`,
    );
    const io = memoryIo();
    expect(await runCli(["check-config", file], io)).toBe(1);
    expect(io.err).toContain(
      "integrations[0].access_tokens.introspection.client_secret: environment variable NOT_SET_ANYWHERE is not set",
    );
  });
});

describe("keys", () => {
  it("generate, rotate and list (subprocesses); the file is mode 0600 and no key material is printed", async () => {
    const file = join(dir, "signing", "keys.json");
    const gen = await runCliProcess(["keys", "generate", "--file", file]);
    expect(gen.code).toBe(0);
    const first = gen.stdout.match(/kid: (\S+)/)?.[1];
    expect(first).toBeDefined();
    const rot = await runCliProcess(["keys", "rotate", "--file", file, "--retire-after", "600"]);
    expect(rot.code).toBe(0);
    const second = rot.stdout.match(/new signing key: (\S+)/)?.[1];
    expect(rot.stdout).toMatch(new RegExp(`${first}\\s+\\d{4}-\\d\\d-\\d\\dT`));
    const list = await runCliProcess(["keys", "list", "--file", file]);
    expect(list.code).toBe(0);
    const rows = list.stdout.trim().split("\n").slice(2);
    expect(rows).toHaveLength(2);
    // The new key is published at once and signs after the default lead of 300 s; the old one signs until then.
    const signsFrom = rows[0]?.match(
      new RegExp(`^${second}\\s+ES256\\s+\\S+\\s+(\\S+)\\s+-\\s+-\\s+staged$`),
    )?.[1];
    expect(signsFrom).toMatch(/^\d{4}-/);
    expect(rows[1]).toMatch(
      new RegExp(`^${first}\\s+ES256\\s+\\S+\\s+\\S+\\s+${signsFrom}\\s+\\d{4}-\\S+\\s+signing$`),
    );
    const now = await runCliProcess(["keys", "rotate", "--file", file, "--lead", "0"]);
    const third = now.stdout.match(/new signing key: (\S+)/)?.[1];
    const after = (await runCliProcess(["keys", "list", "--file", file])).stdout.trim().split("\n").slice(2);
    expect(after[0]).toMatch(new RegExp(`^${third}\\s+ES256\\s+\\S+\\s+\\S+\\s+-\\s+-\\s+signing$`));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    for (const out of [gen.stdout, rot.stdout, list.stdout, now.stdout])
      expect(out).not.toMatch(/"d"|"x"|"y"/);
  }, 45_000);

  it("generate refuses to overwrite without --force; rotate reads the retirement from --config", async () => {
    const file = join(dir, "keys-b.json");
    expect(await runCli(["keys", "generate", "--file", file], memoryIo())).toBe(0);
    const io = memoryIo();
    expect(await runCli(["keys", "generate", "--file", file], io)).toBe(1);
    expect(io.err).toContain("already exists; pass --force");
    expect(await runCli(["keys", "generate", "--file", file, "--force"], memoryIo())).toBe(0);

    const config = join(dir, "keys-config.yaml");
    await writeFile(
      config,
      `token: { issuer: "http://127.0.0.1:8080", ttl_seconds: 60, keys_file: ${JSON.stringify(file)} }
integrations: [{ name: a, issuer: "http://127.0.0.1:9", audiences: [x] }]
databases: { system: { integration: a } }
`,
    );
    const before = Math.floor(Date.now() / 1000);
    const rot = memoryIo();
    expect(await runCli(["keys", "rotate", "--config", config], rot)).toBe(0);
    const until = rot.out.match(/still published until:\n\s+\S+\s+(\S+)/)?.[1] as string;
    const seconds = Date.parse(until) / 1000 - before;
    // Signs 4 s (every instance picks the file up) + 300 s (token.publish_lead_seconds) more, then is
    // published for ttl_seconds + 300.
    expect(seconds).toBeGreaterThanOrEqual(663);
    expect(seconds).toBeLessThanOrEqual(666);
  });

  it("refuses an unknown algorithm and a missing file", async () => {
    const io = memoryIo();
    expect(await runCli(["keys", "generate", "--file", join(dir, "k.json"), "--alg", "HS256"], io)).toBe(2);
    expect(io.err).toContain("--alg must be one of");
    const io2 = memoryIo();
    expect(await runCli(["keys", "list", "--file", join(dir, "missing.json")], io2)).toBe(1);
    expect(io2.err).toContain("does not exist");
  });
});

describe("exchange", () => {
  it("prints the minted token's claims and exits 0 (subprocess, token on stdin)", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    const r = await runCliProcess(
      ["exchange", "--url", h.server.url, "--database", "retail_analytics", "--id-token", "-"],
      { stdin: `${id_token}\n` },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^token: ey/);
    expect(r.stdout).toContain("expires_in: ");
    expect(r.stdout).toContain('"typ": "at+jwt"');
    expect(r.stdout).toContain('"sub": "alice"');
    expect(r.stdout).toContain('"database": "retail_analytics"');
    expect(r.stdout).not.toContain(id_token);
  }, 30_000);

  it("prints the vendor_code and sql_state of a refusal and exits 1 (subprocess)", async () => {
    const r = await runCliProcess([
      "exchange",
      "--url",
      h.server.url,
      "--database",
      "retail_analytics",
      "--access-token",
      "not-a-real-token",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/HTTP 401, vendor_code -12\d\d, sql_state 28000/);
    expect(r.stderr).not.toContain("not-a-real-token");
  }, 30_000);

  it("--json, --token-file and a denied database", async () => {
    const { access_token } = await h.provider.issueTokens("alice", { accessToken: "jwt" });
    const file = join(dir, "token.txt");
    await writeFile(file, access_token);
    const io = memoryIo();
    const args = ["--url", h.server.url, "--database", "retail_analytics", "--token-file", file, "--json"];
    expect(await runCli(["exchange", ...args, "--kind", "access"], io)).toBe(0);
    const out = JSON.parse(io.out);
    expect(out).toMatchObject({
      database: "retail_analytics",
      token_type: "Bearer",
      claims: { sub: "alice" },
    });

    const denied = memoryIo({ stdin: access_token });
    const deniedArgs = ["--url", h.server.url, "--database", "secret_db", "--access-token", "-", "--json"];
    expect(await runCli(["exchange", ...deniedArgs], denied)).toBe(1);
    expect(JSON.parse(denied.err)).toEqual({
      error: {
        code: "ERR_ACCESS_DENIED",
        http_status: 403,
        vendor_code: -1251,
        sql_state: "42501",
        reason: expect.any(String),
      },
    });
    expect(denied.err).not.toContain(access_token);
  });

  it.each([
    [["--database", "d", "--id-token", "t"], "--url is required"],
    [["--url", "http://127.0.0.1:9", "--database", "d"], "exactly one of"],
    [
      ["--url", "http://127.0.0.1:9", "--database", "d", "--id-token", "a", "--access-token", "b"],
      "exactly one of",
    ],
    [["--url", "http://127.0.0.1:9", "--database", "d", "--token-file", "f"], "--kind"],
    [["--url", "nope", "--database", "d", "--id-token", "t"], "--url must be"],
  ])("usage %j → exit 2", async (args, message) => {
    const io = memoryIo();
    expect(await runCli(["exchange", ...args], io)).toBe(2);
    expect(io.err).toContain(message);
  });

  it("an unreachable service is reported with vendor_code -1220", async () => {
    const io = memoryIo();
    const args = ["--url", `http://127.0.0.1:${closedPort}`, "--database", "d", "--id-token", "t"];
    expect(await runCli(["exchange", ...args], io)).toBe(1);
    expect(io.err).toContain("no response (ECONNREFUSED), vendor_code -1220, sql_state 08001");
  });
});
