/** check-config shows what sign-in can use at each provider, and refuses bad sign_in settings by path. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import { parseConfig } from "../../src/config/load.js";
import { type FakeSignInProvider, startFakeSignInProvider } from "../support/fake-sign-in-provider.js";
import { memoryIo } from "../support/memory-io.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";

let dir: string;
let provider: EmbeddedProvider;
let noDevice: FakeSignInProvider;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-signin-check-"));
  provider = await startEmbeddedProvider();
  noDevice = await startFakeSignInProvider({ device: false });
});
afterAll(async () => {
  await provider?.close();
  await noDevice?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("check-config and sign-in", () => {
  it("shows per integration the device and token endpoints and the PKCE methods", async () => {
    const file = join(dir, "config.yaml");
    await writeFile(
      file,
      `
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(join(dir, "keys.json"))} }
integrations:
  - name: dev
    issuer: ${provider.issuer}
    audiences: [ocient-sso]
    sign_in: { client_id: ocient-sso, client_secret: "\${SECRET}" }
  - name: nodevice
    issuer: ${noDevice.issuer}
    audiences: [ocient-sso]
    sign_in: { client_id: ocient-sso }
  - name: plain
    issuer: ${noDevice.issuer}/other
    audiences: [x]
databases:
  system: { integration: dev }
`,
    );
    const io = memoryIo({ env: { SECRET: "a-sign-in-secret-value" } });
    expect(await runCli(["check-config", file], io)).toBe(0);
    expect(io.out).toMatch(/Sign-in:/);
    expect(io.out).toMatch(/dev\s+ocient-sso \(secret\)\s+yes\s+yes\s+yes\s+S256/);
    expect(io.out).toMatch(/nodevice\s+ocient-sso \(public, PKCE\)\s+no\s+yes\s+yes\s+S256/);
    expect(io.out).toMatch(/plain\s+\(none\)\s+\?\s+\?\s+\?\s+\(discovery failed\)/);
    expect(io.out).not.toContain("a-sign-in-secret-value");
  });

  it.each([
    ["a client_id that is not an audience", { client_id: "other" }, "integrations[0].sign_in.client_id"],
    ["scopes without openid", { client_id: "c", scopes: ["profile"] }, "integrations[0].sign_in.scopes"],
    [
      "a callback path with a host",
      { client_id: "c", callback_paths: ["//evil.example/cb"] },
      "integrations[0].sign_in.callback_paths[0]: must be a plain absolute path",
    ],
    [
      "a callback path with %2F",
      { client_id: "c", callback_paths: ["/v1%2Fcallback"] },
      "integrations[0].sign_in.callback_paths[0]: must be a plain absolute path",
    ],
    [
      "a callback path with ..",
      { client_id: "c", callback_paths: ["/v1/../x"] },
      "integrations[0].sign_in.callback_paths[0]: must be a plain absolute path",
    ],
  ])("refuses %s, naming its path", (_, signIn, path) => {
    const input = {
      token: { issuer: "https://sso.example.com" },
      integrations: [{ name: "corp", issuer: "https://idp.example.com", audiences: ["c"], sign_in: signIn }],
      databases: {},
    };
    expect(() => parseConfig(input)).toThrow(path);
  });

  it("refuses a public_url that is plain http off this machine", () => {
    const input = {
      server: { public_url: "http://sso.example.com" },
      token: { issuer: "https://sso.example.com" },
      integrations: [{ name: "corp", issuer: "https://idp.example.com", audiences: ["c"] }],
      databases: {},
    };
    expect(() => parseConfig(input)).toThrow("server.public_url");
  });
});
