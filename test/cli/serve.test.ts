import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { runCliProcess, startCli } from "../support/spawn-cli.js";

let provider: EmbeddedProvider;
let dir: string;

beforeAll(async () => {
  [provider, dir] = await Promise.all([
    startEmbeddedProvider(),
    mkdtemp(join(tmpdir(), "ocient-sso-serve-")),
  ]);
}, 30_000);
afterAll(async () => {
  await provider?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function configYaml(databases: string): string {
  return `server: { host: 127.0.0.1, port: 0, log_level: info }
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(join(dir, "keys.json"))} }
integrations:
  - name: dev
    issuer: ${provider.issuer}
    audiences: [${provider.clientId}]
    user_claim: preferred_username
    groups_claim: groups
    access_tokens:
      introspection: { client_id: ${provider.introspection.clientId}, client_secret: "\${DEV_INTROSPECTION_SECRET}" }
databases:
  system: { integration: dev }
${databases}
`;
}

async function exchange(url: string, database: string): Promise<number> {
  const { id_token } = await provider.issueTokens("alice");
  const response = await fetch(`${url}/v1/sso_token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id_token, database }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Sends the headers and half the body now; `finish()` sends the rest and resolves with the status. */
function slowExchange(url: string, idToken: string): { finish(): Promise<number> } {
  const body = Buffer.from(JSON.stringify({ id_token: idToken, database: "retail_analytics" }));
  let pending: ReturnType<typeof request> | undefined;
  const status = new Promise<number>((resolve, reject) => {
    const req = request(`${url}/v1/sso_token`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": body.length },
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.write(body.subarray(0, 20));
    pending = req;
  });
  return {
    finish() {
      pending?.end(body.subarray(20));
      return status;
    },
  };
}

describe("serve", () => {
  it("never listens with an invalid configuration: every problem on stderr, exit 1", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(file, configYaml("  retail_analytics: { users: alice }"));
    const r = await runCliProcess(["serve", "--config", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/databases\.retail_analytics\.users: .*expected array/);
    expect(r.stderr).toContain("environment variable DEV_INTROSPECTION_SECRET is not set");
    expect(r.stdout).not.toContain("listening");
  }, 30_000);

  it("serves, reloads on SIGHUP (keeping the old config when the new one is invalid), drains on SIGTERM", async () => {
    const file = join(dir, "good.yaml");
    const secret = provider.introspection.clientSecret;
    await writeFile(file, configYaml("  retail_analytics: { groups: [analysts] }"));
    const cli = startCli(["serve"], {
      env: { OCIENT_SSO_CONFIG: file, DEV_INTROSPECTION_SECRET: secret },
    });
    try {
      const url = (await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
      expect(await exchange(url, "retail_analytics")).toBe(200);
      expect(await exchange(url, "sales")).toBe(403);

      await writeFile(file, configYaml("  sales: { users: [alice] }\n  broken: { integration: nope }"));
      cli.child.kill("SIGHUP");
      await cli.waitFor(/reload refused; the running configuration is kept/);
      expect(cli.stdout).toContain('databases.broken.integration: no integration is named \\"nope\\"');
      expect(await exchange(url, "retail_analytics")).toBe(200);

      await writeFile(file, configYaml("  sales: { users: [alice] }"));
      cli.child.kill("SIGHUP");
      await cli.waitFor(/configuration reloaded/);
      expect(await exchange(url, "sales")).toBe(200);
      expect(await exchange(url, "retail_analytics")).toBe(403);

      const { id_token } = await provider.issueTokens("alice");
      const inFlight = slowExchange(url, id_token);
      await sleep(200);
      cli.child.kill("SIGTERM");
      await cli.waitFor(/shutting down/);
      await sleep(100);
      // Access to retail_analytics was revoked by the reload: the in-flight request still gets its answer.
      expect(await inFlight.finish()).toBe(403);
      const result = await cli.exited;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('"msg":"stopped"');
      expect(result.stdout + result.stderr).not.toContain(secret);
      expect(result.stdout + result.stderr).not.toContain(id_token);
    } finally {
      cli.child.kill("SIGKILL");
    }
  }, 60_000);

  it("reads a secret from systemd's credentials directory and a value from a file, and reads the file again on SIGHUP", async () => {
    const credentials = join(dir, "credentials");
    await mkdir(credentials, { recursive: true });
    const secret = provider.introspection.clientSecret;
    await writeFile(join(credentials, "introspection-secret"), `${secret}\n`, { mode: 0o600 });
    const salesUser = join(dir, "sales-user");
    await writeFile(salesUser, "alice\n");
    const file = join(dir, "files.yaml");
    await writeFile(
      file,
      configYaml(`  sales: { users: ["\${file:${salesUser}}"] }`).replace(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration file's placeholders, written literally
        "${DEV_INTROSPECTION_SECRET}",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration file's placeholders, written literally
        "${credential:introspection-secret}",
      ),
    );
    const cli = startCli(["serve", "--config", file], { env: { CREDENTIALS_DIRECTORY: credentials } });
    try {
      const url = (await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
      expect(await exchange(url, "sales")).toBe(200);
      await writeFile(salesUser, "bob\n");
      cli.child.kill("SIGHUP");
      await cli.waitFor(/configuration reloaded/);
      expect(await exchange(url, "sales")).toBe(403);
      cli.child.kill("SIGTERM");
      const result = await cli.exited;
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(secret);
    } finally {
      cli.child.kill("SIGKILL");
    }
  }, 60_000);
});
