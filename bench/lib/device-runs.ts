/**
 * The device grant's verify when the user has already finished (issue #12): the product against the
 * embedded development provider (oidc-provider's device flow, in a process of its own). Before the
 * window, every grant is started at the service (`POST /v1/sso_device_grant`) and completed on the
 * provider's own pages (src/dev/device-flow.ts, as a second device would); the window then measures
 * `POST /v1/sso_device_grant_verify`, one user code per request, as each works once. Each verify is one
 * poll of the provider's token endpoint (which answers at once with the tokens), an RS256 check of the
 * id_token and an ES256 signature.
 *
 * The service counts verify attempts per client address (10 a minute, src/signin/device-grant.ts, with no
 * configuration knob), so this service runs with `server.trust_proxy` and each grant is started and
 * verified from an X-Forwarded-For address of its own (10.x.y.z); the defaults are untouched.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type autocannon from "autocannon";
import { completeDeviceFlow } from "../../src/dev/device-flow.js";
import { target } from "./build.js";
import { freePort, spawnTarget, stopTarget } from "./child.js";
import {
  type Amounts,
  checkMinted,
  loadTarget,
  type MintedSample,
  type SampleCheck,
  type ScenarioResult,
  sampler,
  startExchange,
  type Timing,
} from "./scenarios.js";
import type { ExchangeSetup } from "./setup.js";

export const DEVICE_START_PATH = "/v1/sso_device_grant";
export const DEVICE_VERIFY_PATH = "/v1/sso_device_grant_verify";
/** A database served by the embedded provider's integration, granted to its demo account alice. */
export const DEVICE_DATABASE = "bench_device_db";
const ACCOUNT = "alice";
/** Grants started and completed at once while the pool is prepared. */
const PREPARE_IN_FLIGHT = 8;

interface AnnouncedProvider {
  issuer: string;
  client_id: string;
  api_resource: string;
  sign_in: { clientId: string; clientSecret: string; publicClientId: string; redirectPaths: string[] };
  introspection: { clientId: string; clientSecret: string };
}

export interface DeviceResult extends ScenarioResult {
  grants: number;
  prepare_ms: number;
  minted_check: SampleCheck;
}

/** The client address of grant `i`, sent as X-Forwarded-For. */
function addressOf(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

async function configFor(setup: ExchangeSetup, p: AnnouncedProvider, port: number): Promise<string> {
  const base = JSON.parse(await readFile(setup.configFile, "utf8"));
  const url = `http://127.0.0.1:${port}`;
  // As src/dev/dev-integration.ts trusts the embedded provider.
  const dev = {
    name: "dev",
    issuer: p.issuer,
    audiences: [p.client_id, p.api_resource, p.sign_in.clientId, p.sign_in.publicClientId],
    user_claim: "preferred_username",
    groups_claim: "groups",
    access_tokens: {
      introspection: { client_id: p.introspection.clientId, client_secret: p.introspection.clientSecret },
    },
    sign_in: {
      client_id: p.sign_in.clientId,
      client_secret: p.sign_in.clientSecret,
      scopes: ["openid", "profile", "email", "groups"],
      callback_paths: p.sign_in.redirectPaths,
    },
  };
  const config = {
    ...base,
    server: { ...base.server, port, trust_proxy: true },
    token: { ...base.token, issuer: url },
    integrations: [...base.integrations, dev],
    databases: { ...base.databases, [DEVICE_DATABASE]: { integration: "dev", users: [ACCOUNT] } },
  };
  const file = join(setup.dir, "config-device.json");
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

/** Starts grant `i` at the service and completes it at the provider; resolves with its user code. */
async function prepareGrant(url: string, i: number): Promise<string> {
  const response = await fetch(`${url}${DEVICE_START_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": addressOf(i) },
    body: JSON.stringify({ database: DEVICE_DATABASE }),
  });
  const answer = (await response.json()) as { user_code?: string; verification_uri_complete?: string };
  if (response.status !== 200 || !answer.user_code || !answer.verification_uri_complete) {
    throw new Error(`the device grant start answered ${response.status}`);
  }
  await completeDeviceFlow(answer.verification_uri_complete, ACCOUNT);
  return answer.user_code;
}

export async function runDeviceVerify(
  setup: ExchangeSetup,
  timing: Timing,
  amounts: Amounts,
  /** Node's options for the service, e.g. `--cpu-prof` (`--device --profile`). */
  nodeArgs: string[] = [],
): Promise<DeviceResult> {
  const provider = await spawnTarget("dev-provider", target("dev-provider"), []).started;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let service: Awaited<ReturnType<typeof startExchange>>["target"] | undefined;
  try {
    const file = await configFor(setup, provider.ready as unknown as AnnouncedProvider, port);
    service = (await startExchange(file, url, { nodeArgs })).target;
    const total = amounts.warmup + amounts.measured;
    const started = performance.now();
    const codes: string[] = new Array(total);
    let next = 0;
    await Promise.all(
      Array.from({ length: PREPARE_IN_FLIGHT }, async () => {
        while (next < total) {
          const i = next++;
          codes[i] = await prepareGrant(url, i);
        }
      }),
    );
    const prepare_ms = Math.round(performance.now() - started);
    let used = 0;
    const samples: MintedSample[] = [];
    const request = (): autocannon.Request => ({
      method: "POST",
      path: DEVICE_VERIFY_PATH,
      headers: { "content-type": "application/json" },
      setupRequest: (req, context) => {
        const i = used++;
        (context as { i?: number }).i = i;
        req.headers = { "content-type": "application/json", "x-forwarded-for": addressOf(i) };
        req.body = JSON.stringify({ user_code: codes[i % total], timeout: 10 });
        return req;
      },
      onResponse: sampler(samples, 20, 53),
    });
    const result = await loadTarget(service, () => [request()], timing, amounts);
    const minted_check = await checkMinted(url, samples, {
      database: DEVICE_DATABASE,
      subjectOf: () => ACCOUNT,
      field: "access_token",
    });
    return { ...result, grants: total, prepare_ms, minted_check };
  } finally {
    if (service) await stopTarget(service.process);
    await stopTarget(provider.process);
  }
}
