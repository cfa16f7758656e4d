/**
 * Two instances on one host from one configuration file: the port, the log level and the key file come
 * from `${NAME}` placeholders, each process with its own environment.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { type RunningCli, startCli } from "../support/spawn-cli.js";

let provider: EmbeddedProvider;
let dir: string;

beforeAll(async () => {
  [provider, dir] = await Promise.all([startEmbeddedProvider(), mkdtemp(join(tmpdir(), "ocient-sso-two-"))]);
}, 30_000);
afterAll(async () => {
  await provider?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("one file, two instances", () => {
  it("each listens on the port its environment names, with its own key file", async () => {
    const file = join(dir, "shared.yaml");
    await writeFile(
      file,
      `server:
  host: 127.0.0.1
  port: \${SSO_PORT}
  trust_proxy: \${SSO_TRUST_PROXY}
  log_level: info
token:
  issuer: "http://127.0.0.1:8080"
  keys_file: \${SSO_KEYS}
  ttl_seconds: \${SSO_TTL}
integrations:
  - { name: dev, issuer: "${provider.issuer}", audiences: [${provider.clientId}] }
databases:
  system: { integration: dev }
`,
    );
    const ports = [await freePort(), await freePort()];
    const instances: RunningCli[] = ports.map((port, i) =>
      startCli(["serve", "--config", file], {
        env: {
          SSO_PORT: String(port),
          SSO_TRUST_PROXY: i === 0 ? "true" : "false",
          SSO_KEYS: join(dir, `keys-${i}.json`),
          SSO_TTL: String(600 + i),
        },
      }),
    );
    try {
      for (const [i, cli] of instances.entries()) {
        await cli.waitFor(new RegExp(`listening on http://127\\.0\\.0\\.1:${ports[i]}`));
      }
      const kids = await Promise.all(
        ports.map(async (port) => {
          const response = await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`);
          expect(response.status).toBe(200);
          return ((await response.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
        }),
      );
      expect(kids[0]).toHaveLength(1);
      expect(kids[1]).toHaveLength(1);
      expect(kids[0]).not.toEqual(kids[1]);
    } finally {
      for (const cli of instances) cli.child.kill("SIGTERM");
      const results = await Promise.all(instances.map((cli) => cli.exited));
      for (const r of results) expect(r.stderr).toBe("");
    }
  }, 60_000);
});
