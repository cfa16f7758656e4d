/**
 * `npm start`'s sign-in walk-through works when pasted: the printed curl lines run in a shell, the
 * printed device URL completes on the provider's pages, and the printed browser URL signs in.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieBrowser, parseForm } from "../../src/dev/code-flow.js";
import { devBanner } from "../../src/dev/dev-banner.js";
import { type DevEnvironment, startDev } from "../../src/dev/start-dev.js";
import { createLogger } from "../../src/server/logger.js";
import { rememberSecret, rememberToken } from "../support/log-collector.js";

const run = promisify(execFile);
let dir: string;
let env: DevEnvironment;
let banner: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-dev-walk-"));
  env = await startDev({ port: 0, keysFile: join(dir, "keys.json"), logger: createLogger("silent") });
  rememberSecret(env.provider.signIn.clientSecret);
  rememberToken(env.demo.idToken);
  banner = devBanner(env).split("\n");
});
afterAll(async () => {
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function lineAfter(marker: string): string {
  const i = banner.findIndex((l) => l.includes(marker));
  expect(i, marker).toBeGreaterThanOrEqual(0);
  return banner[i + 1] as string;
}

async function paste(line: string): Promise<Record<string, unknown>> {
  expect(line).toMatch(/^curl /);
  const { stdout } = await run("sh", ["-c", `${line} --silent`]);
  const json = JSON.parse(stdout) as Record<string, unknown>;
  rememberToken(json.access_token);
  return json;
}

describe("the development walk-through", () => {
  it("device grant: open the printed URL, sign in, paste the verify curl", async () => {
    const open = lineAfter("One is started for you; open");
    await env.provider.completeDeviceFlow(open, "alice");
    const verify = banner.find((l) => l.includes("/v1/sso_device_grant_verify")) as string;
    const answer = await paste(verify);
    expect(answer).toMatchObject({
      username: "alice",
      database: "retail_analytics",
      status: { vendor_code: 0 },
    });
    expect(answer.access_token).toEqual(expect.any(String));
  });

  it("the printed curl starts a new device grant", async () => {
    const answer = await paste(lineAfter("A new one starts with:"));
    expect(answer).toMatchObject({
      user_code: expect.any(String),
      verification_uri_complete: expect.any(String),
    });
  });

  it("browser flow: the printed URL leads through the provider's login to a minted token", async () => {
    const line = banner.find((l) => l.startsWith("Sign in with the browser flow: open ")) as string;
    const browser = new CookieBrowser();
    let response = await browser.fetch(line.replace("Sign in with the browser flow: open ", ""));
    for (let step = 0; step < 10; step++) {
      const location = response.headers.get("location");
      if (location !== null) {
        await response.body?.cancel();
        response = await browser.fetch(new URL(location, response.url).href);
        continue;
      }
      if (response.url.startsWith(`${env.url}/v1/callback`)) break;
      const form = parseForm(await response.text(), response.status);
      const fields = new URLSearchParams({ prompt: form.prompt });
      if (form.prompt === "login") fields.set("login", "alice");
      response = await browser.fetch(new URL(form.action, response.url).href, {
        method: "POST",
        body: fields,
      });
    }
    expect(response.url.startsWith(`${env.url}/v1/callback`)).toBe(true);
    expect(response.status).toBe(200);
    const json = (await response.json()) as Record<string, unknown>;
    rememberToken(json.access_token);
    expect(json).toMatchObject({ username: "alice", database: "retail_analytics" });
  });
});
