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
import { freePort, microsPer, spawnTarget, stopTarget, type Target, treeCpuSeconds } from "./child.js";
import { figures, fire } from "./load.js";
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

/** The service and the provider, with `total` grants started and completed, ready to be verified. */
interface PreparedDevice {
  service: Target;
  url: string;
  codes: string[];
  prepare_ms: number;
  stop(): Promise<void>;
}

async function prepareDevice(
  setup: ExchangeSetup,
  total: number,
  nodeArgs: string[],
): Promise<PreparedDevice> {
  const provider = await spawnTarget("dev-provider", target("dev-provider"), []).started;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let service: Target | undefined;
  const stop = async () => {
    if (service) await stopTarget(service.process);
    await stopTarget(provider.process);
  };
  try {
    const file = await configFor(setup, provider.ready as unknown as AnnouncedProvider, port);
    service = (await startExchange(file, url, { nodeArgs })).target;
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
    return { service, url, codes, prepare_ms: Math.round(performance.now() - started), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Verifies the next user code from its own address, one request each, sampling minted tokens. */
function verifyRequest(codes: string[], samples: MintedSample[]): () => autocannon.Request {
  let used = 0;
  return () => ({
    method: "POST",
    path: DEVICE_VERIFY_PATH,
    headers: { "content-type": "application/json" },
    setupRequest: (req, context) => {
      const i = used++;
      (context as { i?: number }).i = i;
      req.headers = { "content-type": "application/json", "x-forwarded-for": addressOf(i) };
      req.body = JSON.stringify({ user_code: codes[i % codes.length], timeout: 10 });
      return req;
    },
    onResponse: sampler(samples, 20, 53),
  });
}

export interface DeviceRunOptions {
  /** Node's options for the service, e.g. `--cpu-prof` (`--device --profile`). */
  nodeArgs?: string[];
  /** Started as the measured window opens (`--device --perf`), given the service's pid. */
  onWindow?: (pid: number) => () => Promise<void>;
}

export async function runDeviceVerify(
  setup: ExchangeSetup,
  timing: Timing,
  amounts: Amounts,
  { nodeArgs = [], onWindow }: DeviceRunOptions = {},
): Promise<DeviceResult> {
  const total = amounts.warmup + amounts.measured;
  const prepared = await prepareDevice(setup, total, nodeArgs);
  const { service, url } = prepared;
  try {
    const samples: MintedSample[] = [];
    const request = verifyRequest(prepared.codes, samples);
    const result = await loadTarget(
      service,
      () => [request()],
      timing,
      amounts,
      onWindow && (() => onWindow(service.pid)),
    );
    const minted_check = await checkMinted(url, samples, {
      database: DEVICE_DATABASE,
      subjectOf: () => ACCOUNT,
      field: "access_token",
    });
    return { ...result, grants: total, prepare_ms: prepared.prepare_ms, minted_check };
  } finally {
    await prepared.stop();
  }
}

export interface CurvePoint {
  /** Verifications answered before this step. */
  after: number;
  cpu_us_per_request: number | null;
}

/**
 * The warm-up curve (`--device-curve`): `grants` verifications in one run, the service's CPU per request
 * read every `step` answers, so each point is the figure a window of `step` would give after `after`
 * verifications of warm-up.
 */
export async function runDeviceCurve(
  setup: ExchangeSetup,
  grants: number,
  step: number,
): Promise<{ points: CurvePoint[]; prepare_ms: number; errors: number }> {
  const prepared = await prepareDevice(setup, grants, []);
  const { service } = prepared;
  try {
    const points: CurvePoint[] = [];
    let cpuBefore = treeCpuSeconds(service.pid);
    const raw = await fire({
      url: prepared.url,
      requests: [verifyRequest(prepared.codes, [])()],
      durationSeconds: 0,
      amount: grants,
      limitSeconds: 600,
      onResponseCount: (count) => {
        if (count % step !== 0) return;
        const cpu = treeCpuSeconds(service.pid);
        points.push({ after: count - step, cpu_us_per_request: microsPer(cpu - cpuBefore, step) });
        cpuBefore = cpu;
      },
    });
    return { points, prepare_ms: prepared.prepare_ms, errors: figures(raw).errors };
  } finally {
    await prepared.stop();
  }
}
