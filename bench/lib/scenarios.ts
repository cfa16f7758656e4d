/** The scenarios: each starts its target in a child process, loads it, reads its memory, and stops it. */
import { writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type autocannon from "autocannon";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { recommendedThreadpoolSize } from "../../src/server/threadpool.js";
import type { FloorInput } from "../targets/crypto-floor.js";
import { PRODUCT, target } from "./build.js";
import {
  type Memory,
  memoryOf,
  microsPer,
  round,
  spawnTarget,
  stopTarget,
  type Target,
  treeCpuSeconds,
  treeMemoryOf,
} from "./child.js";
import { figures, fire, type LoadFigures } from "./load.js";

export interface ScenarioResult extends LoadFigures {
  memory?: Memory;
  /** The server's user + system CPU seconds over the measured window (its process and its children). */
  cpu_s: number;
  /** That, in microseconds per request answered. */
  cpu_us_per_request: number | null;
}

export interface Timing {
  warmupSeconds: number;
  durationSeconds: number;
}

const JSON_HEADERS = { "content-type": "application/json" };

/** Requests that each carry the next body of `bodies`, recording which one in the connection's context. */
export class BodyCycle {
  used = 0;
  constructor(readonly bodies: Buffer[]) {}

  request(path: string, onResponse?: autocannon.Request["onResponse"]): autocannon.Request {
    return {
      method: "POST",
      path,
      headers: JSON_HEADERS,
      setupRequest: (req, context) => {
        const i = this.used++;
        (context as { i?: number }).i = i;
        req.body = this.bodies[i % this.bodies.length];
        return req;
      },
      ...(onResponse && { onResponse }),
    };
  }

  get reused(): number {
    return Math.max(0, this.used - this.bodies.length);
  }
}

/** Exactly this many requests for the warm-up and for the measured run, instead of durations. */
export interface Amounts {
  warmup: number;
  measured: number;
}

/**
 * Warm-up (discarded), then the measured run, with the server's CPU time (its process tree, from /proc)
 * read just before and just after it; memory read before the target stops.
 */
export async function loadTarget(
  t: Target,
  requests: () => autocannon.Request[],
  timing: Timing,
  amounts?: Amounts,
  /** Started as the measured window opens (e.g. a profiler); what it returns is awaited as it closes. */
  onWindow?: () => () => Promise<void>,
): Promise<ScenarioResult> {
  const url = String(t.ready.ready);
  const bound = (amount: number | undefined, seconds: number) =>
    amount === undefined ? { durationSeconds: seconds } : { durationSeconds: 0, amount, limitSeconds: 120 };
  await fire({ url, requests: requests(), ...bound(amounts?.warmup, timing.warmupSeconds) });
  const closeWindow = onWindow?.();
  const cpuBefore = treeCpuSeconds(t.pid);
  const raw = await fire({ url, requests: requests(), ...bound(amounts?.measured, timing.durationSeconds) });
  const cpu_s = treeCpuSeconds(t.pid) - cpuBefore;
  await closeWindow?.();
  const result = figures(raw);
  return {
    ...result,
    memory: treeMemoryOf(t.pid),
    cpu_s: round(cpu_s, 2),
    cpu_us_per_request: microsPer(cpu_s, result.requests),
  };
}

export async function runBaseline(port: number, bodies: Buffer[], timing: Timing): Promise<ScenarioResult> {
  const t = await spawnTarget("baseline", target("baseline-server"), [String(port)]).started;
  try {
    const cycle = new BodyCycle(bodies);
    return await loadTarget(t, () => [cycle.request("/")], timing);
  } finally {
    await stopTarget(t.process);
  }
}

export interface StartSample {
  target: Target;
  ms: number;
  /** RSS once ready, before any request. */
  rss_mb: number | undefined;
}

/**
 * The libuv pool size the executable chooses for one process on this machine (src/server/threadpool.ts),
 * which the exchange runs with: the bench leaves UV_THREADPOOL_SIZE unset, as an operator would.
 */
export const RECOMMENDED_POOL = recommendedThreadpoolSize(availableParallelism(), 1);

export interface ExchangeStart {
  nodeArgs?: string[];
}

/** The product (`ocient-sso serve --config FILE`, bundled): spawn to the first 200 from /readyz, polled every 2 ms. */
export async function startExchange(
  configFile: string,
  url: string,
  { nodeArgs = [] }: ExchangeStart = {},
): Promise<StartSample> {
  const since = performance.now();
  const spawned = spawnTarget("exchange", PRODUCT, ["serve", "--config", configFile], {
    nodeArgs,
    env: { UV_THREADPOOL_SIZE: undefined },
    poll: { url: `${url}/readyz`, baseUrl: url },
  });
  const started = await spawned.started;
  const ms = performance.now() - since;
  return { target: started, ms: round(ms, 1), rss_mb: treeMemoryOf(started.pid)?.rss_mb };
}

export interface MintedSample {
  i: number;
  body: string;
}

/** Every `every`th 200 response, up to `max`: the minted tokens checked after the run. */
export function sampler(samples: MintedSample[], max = 50, every = 997): autocannon.Request["onResponse"] {
  let seen = 0;
  return (status, body, context) => {
    if (status !== 200 || seen++ % every !== 0 || samples.length >= max) return;
    samples.push({ i: (context as { i: number }).i, body });
  };
}

export interface SampleCheck {
  checked: number;
  valid: number;
  failures: string[];
}

/** Each sampled token verifies against the service's published keys and names the expected user. */
export async function checkMinted(
  url: string,
  samples: MintedSample[],
  expect: {
    database: string;
    subjectOf: (i: number) => string;
    /** The answer's field holding the token: `id_token` for the exchange (default), `access_token` else. */
    field?: "id_token" | "access_token";
  },
): Promise<SampleCheck> {
  const discovery = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as {
    issuer: string;
    jwks_uri: string;
  };
  const keys = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const failures: string[] = [];
  for (const { i, body } of samples) {
    try {
      const token = (JSON.parse(body) as Record<string, unknown>)[expect.field ?? "id_token"];
      if (typeof token !== "string") throw new Error(`no ${expect.field ?? "id_token"} in the answer`);
      const { payload } = await jwtVerify(token, keys, {
        issuer: discovery.issuer,
        audience: discovery.issuer,
        typ: "at+jwt",
        algorithms: ["ES256"],
      });
      if (payload.sub !== expect.subjectOf(i)) throw new Error(`sub ${payload.sub} for request ${i}`);
      if (payload.database !== expect.database) throw new Error(`database ${String(payload.database)}`);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  return { checked: samples.length, valid: samples.length - failures.length, failures: failures.slice(0, 5) };
}

export interface PeerSetup {
  port: number;
  bodyBytes: number;
}

export async function runPeer({ port, bodyBytes }: PeerSetup, timing: Timing): Promise<ScenarioResult> {
  const options = {
    port,
    client_id: "bench-peer",
    client_secret: "bench-peer-secret-0123456789abcdef",
    resource: "urn:ocient:sso",
    scope: "ocient",
  };
  // The same pool size as the exchange, so the comparison is between the servers, not their tuning.
  const t = await spawnTarget("peer", target("peer-provider"), [JSON.stringify(options)], {
    env: { UV_THREADPOOL_SIZE: String(RECOMMENDED_POOL) },
  }).started;
  try {
    const form = `grant_type=client_credentials&resource=${encodeURIComponent(options.resource)}&scope=${options.scope}`;
    // Padded with a parameter the token endpoint ignores, so the peer reads as many bytes as the service.
    const pad = Math.max(0, bodyBytes - form.length - 5);
    const body = `${form}&pad=${"x".repeat(pad)}`;
    const request: autocannon.Request = {
      method: "POST",
      path: new URL(String(t.ready.token_endpoint)).pathname,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${options.client_id}:${options.client_secret}`).toString("base64")}`,
      },
      body,
    };
    const preflight = await fetch(String(t.ready.token_endpoint), {
      method: "POST",
      headers: request.headers as Record<string, string>,
      body,
    });
    const answer = (await preflight.json()) as { access_token?: string };
    const alg =
      answer.access_token &&
      JSON.parse(Buffer.from(answer.access_token.split(".")[0] ?? "", "base64url").toString()).alg;
    if (preflight.status !== 200 || alg !== "ES256") {
      throw new Error(
        `the peer did not issue an ES256 JWT access token: ${preflight.status} ${JSON.stringify(answer)}`,
      );
    }
    return await loadTarget(t, () => [request], timing);
  } finally {
    await stopTarget(t.process);
  }
}

export interface FloorResult {
  verify_alg: "RS256" | "ES256";
  concurrency: number;
  ops: number;
  seconds: number;
  ops_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  /** CPU (user + system, every thread of the process) per operation over the measured loop, µs. */
  cpu_us_per_op: number | null;
  memory?: Memory;
}

export async function runFloor(dir: string, input: FloorInput): Promise<FloorResult> {
  const file = join(dir, `floor-${input.verify_alg}-${input.concurrency}.json`);
  await writeFile(file, JSON.stringify(input));
  const spawned = spawnTarget("crypto-floor", target("crypto-floor"), [file], {
    timeoutMs: input.warmup_ms + input.duration_ms + 30_000,
  });
  const t = await spawned.started;
  const r = t.ready as {
    ops: number;
    errors: number;
    seconds: number;
    cpu_us: number;
    p50: number;
    p99: number;
    max: number;
  };
  const memory = memoryOf(t.pid);
  await stopTarget(t.process);
  return {
    verify_alg: input.verify_alg,
    concurrency: input.concurrency,
    ops: r.ops,
    seconds: round(r.seconds, 2),
    ops_per_s: Math.round(r.ops / r.seconds),
    p50_ms: round(r.p50, 2),
    p99_ms: round(r.p99, 2),
    max_ms: round(r.max, 2),
    errors: r.errors,
    cpu_us_per_op: r.ops > 0 ? round(r.cpu_us / r.ops, 1) : null,
    memory,
  };
}
