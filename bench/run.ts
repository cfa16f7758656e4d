/**
 * `npm run bench` (issues #5, #11, #12): on loopback, with one load generator (autocannon, 32 connections),
 * measures a bare Koa baseline, the exchange, the refresh, the device grant's verify, the crypto floors
 * and oidc-provider's token endpoint, with the server's CPU time per request of each; prints the table,
 * the efficiency against the floor and the targets, writes bench/results/latest.json and bench/README.md.
 * Options: USAGE below (`npm run bench -- --help`).
 */

import { mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { recommendedThreadpoolSize } from "../src/server/threadpool.js";
import { buildTargets, ROOT } from "./lib/build.js";
import { runCelPairs } from "./lib/cel-runs.js";
import { freePort, round, stopTarget } from "./lib/child.js";
import { argError, readArgs } from "./lib/cli-args.js";
import { type DeviceResult, runDeviceCurve, runDeviceVerify } from "./lib/device-runs.js";
import {
  type ExchangeResult,
  type LongResult,
  runExchange,
  runLong,
  runProfile,
} from "./lib/exchange-runs.js";
import { type HaResult, runHa, runSingleWithCpu } from "./lib/ha.js";
import { startIssuer } from "./lib/issuer.js";
import { CONNECTIONS } from "./lib/load.js";
import { perfFile, printPerf, recordPerf, runPerf } from "./lib/perf.js";
import { printSelfTimes, summarizeProfile } from "./lib/profile.js";
import { mintPool, type RefreshResult, runRefresh } from "./lib/refresh-runs.js";
import { printTable, printTargets, type Row, type TargetCheck, updateReadme } from "./lib/report.js";
import {
  RECOMMENDED_POOL,
  runBaseline,
  runFloor,
  runPeer,
  type ScenarioResult,
  startExchange,
  type Timing,
} from "./lib/scenarios.js";
import { AUDIENCE, DATABASE, exchangeBodies, GROUP, prepareExchange } from "./lib/setup.js";

const LONG_EXCHANGES = 100_000;
/**
 * Device verifications before the measured window: the figure fell from about 800 to 400 µs over the
 * first 3,000 and moved much less after (bench --device-curve, bench/README.md), as the verify's code is
 * compiled by the JIT, which a running service has long done.
 */
const DEVICE_WARMUP = 3000;
const START_SAMPLES = 5;

const USAGE = `Usage: npm run bench -- [options]

\`npm run bench\` (issues #5, #11, #12): on loopback, with one load generator (autocannon, 32 connections),
measures a bare Koa baseline, the exchange, the refresh, the device grant's verify, the crypto floors
and oidc-provider's token endpoint, with the server's CPU time per request of each; prints the table,
the efficiency against the floor and the targets, writes bench/results/latest.json and bench/README.md.

Options:
  --long       also 100,000 exchanges on a fresh server, RSS sampled (or BENCH_LONG=1)
  --profile    only the exchange, under node --cpu-prof; prints the top self-time entries
  --perf       only the exchange, under Linux perf (on-CPU samples per thread); prints the top entries
  --ha         only the single process beside nginx in front of 2 instances sharing Redis rate limits,
               with the server CPU per request of each, and the same with replay records in a Redis with
               a replica, waiting for it (WAIT) or not (the full run includes them)
  --device     only the device grant's verify, the user already finished (the full run includes it);
               with --profile, under node --cpu-prof, printing the top self-time entries; with --perf,
               its measured window under Linux perf
  --cel        only the exchange beside the exchange through a binding with CEL conditions, alternated
               --rounds times, with the server CPU per request of each
  --refresh --profile  only the refresh, under node --cpu-prof; prints the top self-time entries
  --device-grants N  grants verified in its measured window (default 1200: a window of 600, about 1 s,
               moved by 150 µs from run to run on a busy machine)
  --device-warmup N  grants verified before that window, to warm it up (default 3000: the figure falls
               by about half over the first 3,000 and moves much less after; the exchange warms up
               with 2 s, some 20,000 requests, but each grant takes milliseconds of the provider's
               pages to prepare; bench/README.md shows the curve)
  --device-curve N   only the device verify: N grants verified in one run, its CPU per request printed
               every --device-grants answers (the curve that chose the default warm-up)
  --refresh-tokens N tokens minted through the exchange for the refresh (default 30000)
  --duration S measured seconds per scenario (default 8); --warmup S (default 2)
  --rounds N   baseline/exchange pairs, alternated; the ratio is the median pair's (default 3)
  --tokens N   id_tokens in the pool (default 200000, enough for every request of a scenario to carry its own)
  --help       this text
`;
const args = readArgs(
  USAGE,
  () =>
    parseArgs({
      options: {
        long: { type: "boolean", default: process.env.BENCH_LONG === "1" },
        profile: { type: "boolean", default: false },
        perf: { type: "boolean", default: false },
        ha: { type: "boolean", default: false },
        device: { type: "boolean", default: false },
        refresh: { type: "boolean", default: false },
        cel: { type: "boolean", default: false },
        "device-grants": { type: "string", default: "1200" },
        "device-warmup": { type: "string", default: String(DEVICE_WARMUP) },
        "device-curve": { type: "string" },
        "refresh-tokens": { type: "string", default: "30000" },
        duration: { type: "string", default: "8" },
        rounds: { type: "string", default: "3" },
        warmup: { type: "string", default: "2" },
        tokens: { type: "string", default: "200000" },
      },
    }).values,
);
function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) argError(USAGE, `--${name} must be a positive number, got ${value}`);
  return n;
}
const timing: Timing = {
  durationSeconds: positive("duration", args.duration),
  warmupSeconds: positive("warmup", args.warmup),
};
const rounds = Math.floor(positive("rounds", args.rounds));
const deviceGrants = Math.floor(positive("device-grants", args["device-grants"]));
// autocannon needs at least one request per connection.
const deviceAmounts = {
  warmup: Math.max(CONNECTIONS, Math.floor(positive("device-warmup", args["device-warmup"]))),
  measured: Math.max(CONNECTIONS, deviceGrants),
};
const refreshTokens = Math.floor(positive("refresh-tokens", args["refresh-tokens"]));
const poolSize = Math.max(
  10_000,
  Math.floor(positive("tokens", args.tokens)),
  args.long ? LONG_EXCHANGES : 0,
);
const step = (what: string) => console.log(`• ${what}`);
/** How the rows name the pool: the bench leaves UV_THREADPOOL_SIZE unset, so the executable chooses. */
const POOL = `pool ${RECOMMENDED_POOL} (the executable's choice)`;

const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  loadavg_start: loadavg().map((l) => round(l, 2)),
};
console.log(
  `ocient-sso bench: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, load ${machine.loadavg_start.join(" ")}`,
);

const build = await buildTargets();
step(`built targets in ${Math.round(build.ms)} ms`);
const issuer = await startIssuer();
const setup = await prepareExchange(issuer);
// Measured before the token pool exists, so the bench's own memory and the minting threads do not
// weigh on the start they time.
const starts: number[] = [];
let readyRss: number | undefined;
const profiling =
  args.profile || args.perf || args.ha || args.device || args.cel || args.refresh || args["device-curve"];
if (!profiling) {
  for (let i = 0; i < START_SAMPLES; i++) {
    const sample = await startExchange(setup.configFile, setup.url);
    starts.push(sample.ms);
    readyRss ??= sample.rss_mb;
    await stopTarget(sample.target.process);
  }
  step(
    `start to ready (spawn → first 200 from /readyz): ${starts.join(", ")} ms; RSS when ready ${readyRss} MB`,
  );
}
const mintStarted = performance.now();
const tokens = await issuer.mint(poolSize, { audience: AUDIENCE, group: GROUP, ttlSeconds: 3600 });
const mintMs = Math.round(performance.now() - mintStarted);
const bodies = exchangeBodies(tokens);
const bodyBytes = bodies[0]?.length ?? 0;
step(`minted ${tokens.length} RS256 id_tokens in ${mintMs} ms; request body ${bodyBytes} bytes`);

try {
  if (args.perf && !args.device) {
    await runPerf(setup, bodies, timing);
  } else if (args.ha) {
    const runs = await runHaPair();
    printTable(haRows(runs));
    console.log(`\n${haSummary(runs)}\n`);
    printTargets([haTarget(runs)]);
  } else if (args.cel) {
    await runCelStep();
  } else if (args.device && args.profile) {
    await runDeviceProfile();
  } else if (args.device && args.perf) {
    await runDevicePerf();
  } else if (args["device-curve"]) {
    await runDeviceCurveStep();
  } else if (args.device) {
    const device = await runDeviceStep();
    printTable([deviceRow(device)]);
    console.log(`\n${deviceSummary(device)}\n`);
    printTargets([deviceTarget(device)]);
  } else if (args.refresh && args.profile) {
    await runRefreshProfile();
  } else if (args.profile) {
    const { load } = await runProfile(setup, bodies, timing);
    console.log(
      `\nexchange under --cpu-prof: ${load.rps} req/s, p99 ${load.p99_ms} ms, ${load.errors} errors`,
    );
  } else {
    await main();
  }
} finally {
  await issuer.close();
  await rm(setup.dir, { recursive: true, force: true });
}

interface HaRuns {
  single: HaResult;
  ha: HaResult;
  /** `replay: once` in a Redis master with a replica, each claim waiting for the replica (WAIT 1) or not. */
  wait1: HaResult;
  wait0: HaResult;
}

async function runHaPair(): Promise<HaRuns> {
  step("exchange, single process, server CPU per request");
  const single = await runSingleWithCpu(setup, bodies, timing);
  step("exchange through nginx to 2 instances, rate limits in Redis, server CPU per request");
  const ha = await runHa(setup, bodies, timing);
  step("the same with replay: once, Redis master + replica, each claim waiting for the replica (WAIT 1)");
  const wait1 = await runHa(setup, bodies, timing, { replicasToAck: 1 });
  step("the same without waiting (replicas_to_ack: 0)");
  const wait0 = await runHa(setup, bodies, timing, { replicasToAck: 0 });
  for (const r of [single, ha, wait1, wait0]) {
    if (r.errors > 0 || r.minted_check.valid !== r.minted_check.checked) {
      console.error(`FAIL: correctness: ${r.errors} errors, ${JSON.stringify(r.minted_check.failures)}`);
      process.exitCode = 1;
    }
  }
  return { single, ha, wait1, wait0 };
}

function haRows({ single, ha, wait1, wait0 }: HaRuns): Row[] {
  const viaNginx = "exchange via nginx, 2 instances";
  return [
    { scenario: `exchange, 1 process: ${single.cpu_us_per_request} µs CPU/request`, ...single },
    {
      scenario: `${viaNginx}, Redis rate limits: ${ha.cpu_us_per_request} µs CPU/request (${ha.cpu_us_per_request_all} with nginx and Redis)`,
      ...ha,
    },
    {
      scenario: `${viaNginx}, replay: once, Redis + replica, WAIT 1: ${wait1.cpu_us_per_request} µs (${wait1.cpu_us_per_request_all} all)`,
      ...wait1,
    },
    {
      scenario: `${viaNginx}, replay: once, Redis + replica, no WAIT: ${wait0.cpu_us_per_request} µs (${wait0.cpu_us_per_request_all} all)`,
      ...wait0,
    },
  ];
}

/** The instances' CPU per request against one process's. */
function haRatio({ single, ha }: HaRuns): number {
  return round(ha.cpu_us_per_request / single.cpu_us_per_request, 2);
}

function haSummary(runs: HaRuns): string {
  const { single, ha, wait1, wait0 } = runs;
  return (
    `2 instances behind nginx with Redis rate limits: ${ha.rps} req/s (${round(ha.rps / single.rps, 3)}× one process), ` +
    `server CPU ${ha.cpu_us_per_request} µs per request in the instances (${haRatio(runs)}× one process's ${single.cpu_us_per_request} µs), ` +
    `${ha.cpu_us_per_request_all} µs with nginx and Redis; replay records waiting for a replica (WAIT 1) against not: ` +
    `${wait1.cpu_us_per_request_all} against ${wait0.cpu_us_per_request_all} µs CPU per request with nginx and Redis, ` +
    `p50 ${wait1.p50_ms} against ${wait0.p50_ms} ms, p99 ${wait1.p99_ms} against ${wait0.p99_ms} ms, ${wait1.rps} against ${wait0.rps} req/s`
  );
}

function haTarget(runs: HaRuns): TargetCheck {
  const ratio = haRatio(runs);
  return {
    target: "2 instances via nginx, Redis rate limits: CPU per request in the instances ≤ 1.5× one process",
    value: `${ratio}× (${runs.ha.cpu_us_per_request} / ${runs.single.cpu_us_per_request} µs)`,
    pass: ratio <= 1.5,
  };
}

function deviceTarget(device: DeviceResult): TargetCheck {
  return {
    target: "device verify, user finished: ≤ 500 µs server CPU per request",
    value: `${device.cpu_us_per_request} µs`,
    pass: device.cpu_us_per_request === null ? null : device.cpu_us_per_request <= 500,
  };
}

async function runCelStep(): Promise<void> {
  step(
    `exchange, plain and through a binding with CEL conditions, ${rounds} alternated rounds, server CPU per request`,
  );
  const pairs = await runCelPairs(setup, bodies, timing, rounds);
  const rows: Row[] = pairs.flatMap(({ plain, cel }, i) => [
    { scenario: `exchange, round ${i + 1}`, ...plain },
    { scenario: `exchange with a CEL binding, round ${i + 1}`, ...cel },
  ]);
  printTable(rows);
  const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const plainUs = median(pairs.map((p) => p.plain.cpu_us_per_request));
  const celUs = median(pairs.map((p) => p.cel.cpu_us_per_request));
  console.log(
    `\nexchange with a CEL binding: ${celUs} µs server CPU per request against ${plainUs} µs plain (median of ${rounds}): ` +
      `${round(celUs - plainUs, 1)} µs for the binding (${round(celUs / plainUs, 3)}×)`,
  );
  for (const { plain, cel } of pairs) {
    for (const r of [plain, cel]) {
      if (r.errors > 0 || r.minted_check.valid !== r.minted_check.checked) {
        console.error(`FAIL: correctness: ${r.errors} errors, ${JSON.stringify(r.minted_check.failures)}`);
        process.exitCode = 1;
      }
    }
  }
}

async function runDeviceStep(): Promise<DeviceResult> {
  step(
    `device grant verify, user already finished: preparing ${deviceAmounts.warmup + deviceAmounts.measured} grants at the embedded provider, then ${deviceAmounts.warmup} to warm up and ${deviceAmounts.measured} measured`,
  );
  const device = await runDeviceVerify(setup, timing, deviceAmounts);
  if (device.errors > 0 || device.minted_check.valid !== device.minted_check.checked) {
    console.error(
      `FAIL: device verify correctness: ${device.errors} errors, ${JSON.stringify(device.minted_check.failures)}`,
    );
    process.exitCode = 1;
  }
  return device;
}

/** The device verify under `node --cpu-prof` (`--device --profile`): the top entries, as the exchange's. */
async function runDeviceProfile(): Promise<void> {
  const dir = join(ROOT, "bench/results/profiles");
  const name = `device-verify-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`;
  await mkdir(dir, { recursive: true });
  const device = await runDeviceVerify(setup, timing, deviceAmounts, {
    nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`],
  });
  console.log(`\n${deviceSummary(device)} (under --cpu-prof)`);
  const profile = await summarizeProfile(join(dir, name), `${ROOT}/`);
  printSelfTimes(`top ${profile.functions.length} functions by self time (${name})`, profile.functions);
  printSelfTimes(`top ${profile.modules.length} modules by self time`, profile.modules);
  printSelfTimes(
    "modules, node internals and natives charged to their calling package or file",
    profile.callers,
  );
}

/** The device verify's measured window under Linux perf (`--device --perf`): per thread, kernel included. */
async function runDevicePerf(): Promise<void> {
  const { file, nodeArgs } = await perfFile("device-verify");
  let pid = 0;
  const device = await runDeviceVerify(setup, timing, deviceAmounts, {
    nodeArgs,
    onWindow: (servicePid) => {
      pid = servicePid;
      return recordPerf(servicePid, file);
    },
  });
  console.log(`\n${deviceSummary(device)} (under perf: ${file})`);
  printPerf(file, pid);
}

/** `--device-curve N`: the device verify's CPU per request against the verifications before it. */
async function runDeviceCurveStep(): Promise<void> {
  const grants = Math.floor(positive("device-curve", args["device-curve"]));
  const step = deviceAmounts.measured;
  console.log(`• device verify warm-up curve: ${grants} grants, CPU per request every ${step} answers`);
  const curve = await runDeviceCurve(setup, grants, step);
  console.log(`${grants} grants prepared in ${curve.prepare_ms} ms; ${curve.errors} errors`);
  for (const p of curve.points) {
    console.log(
      `  after ${String(p.after).padStart(6)} verifications: ${p.cpu_us_per_request} µs CPU per request`,
    );
  }
}

/** The refresh under `node --cpu-prof` (`--refresh --profile`): the top entries, as the exchange's. */
async function runRefreshProfile(): Promise<void> {
  const pool = await mintPool(setup, bodies, refreshTokens);
  const dir = join(ROOT, "bench/results/profiles");
  const name = `refresh-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`;
  await mkdir(dir, { recursive: true });
  const nodeArgs = ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`];
  const { target } = await startExchange(setup.configFile, setup.url, { nodeArgs });
  const re = await runRefresh(target, setup, pool, timing);
  console.log(`\nrefresh under --cpu-prof: ${re.rps} req/s, ${re.cpu_us_per_request} µs CPU/request`);
  const profile = await summarizeProfile(join(dir, name), `${ROOT}/`);
  printSelfTimes(`top ${profile.functions.length} functions by self time (${name})`, profile.functions);
  printSelfTimes("modules, natives charged to their caller", profile.callers);
}

function deviceRow(device: DeviceResult): Row {
  return {
    scenario: `device verify (POST /v1/sso_device_grant_verify), user finished, ${device.requests} codes`,
    ...device,
  };
}

function deviceSummary(device: DeviceResult): string {
  return (
    `device verify, user already finished: ${device.rps} req/s, p50 ${device.p50_ms} ms, p99 ${device.p99_ms} ms, ` +
    `${device.cpu_us_per_request} µs server CPU per request (the provider's own work not included), ` +
    `${device.requests} verifications measured after ${deviceAmounts.warmup} to warm up; ${device.grants} grants ` +
    `prepared in ${device.prepare_ms} ms; tokens checked ${device.minted_check.valid}/${device.minted_check.checked}`
  );
}

/** (baseline CPU per request + floor CPU per operation) / the scenario's CPU per request. */
function efficiency(
  baselineUs: number | null,
  floorUs: number | null,
  scenarioUs: number | null,
): number | null {
  if (baselineUs === null || floorUs === null || scenarioUs === null || scenarioUs <= 0) return null;
  return round((baselineUs + floorUs) / scenarioUs, 3);
}

function medianOf(values: number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length > 0 ? (sorted[Math.floor(sorted.length / 2)] as number) : null;
}

async function main(): Promise<void> {
  const startMs = [...starts].sort((a, b) => a - b)[Math.floor(starts.length / 2)] ?? 0;
  // The machine's speed drifts from minute to minute (a shared VM measured the same build from 0.36× to
  // 0.51×), so the baseline and the exchange run in alternating pairs and the ratio is the median pair's.
  // The refresh's tokens, minted through the exchange on a server of their own (every server of the run
  // shares the signing-key file, so each accepts them).
  step(`refresh pool: ${refreshTokens} tokens minted through POST /v1/sso_token`);
  const pool = await mintPool(setup, bodies, refreshTokens);
  step(`minted ${pool.tokens.length} tokens in ${pool.ms} ms`);
  const pairs: Array<{
    baseline: ScenarioResult;
    exchange: ExchangeResult;
    refresh: RefreshResult;
    ratio: number;
  }> = [];
  for (let r = 1; r <= rounds; r++) {
    step(`round ${r}/${rounds}: baseline, bare Koa + readJsonBody echo`);
    const base = await runBaseline(await freePort(), bodies, timing);
    step(`round ${r}/${rounds}: exchange, ${POOL}`);
    const started = await startExchange(setup.configFile, setup.url);
    const ex = await runExchange(started.target, setup, bodies, timing);
    step(`round ${r}/${rounds}: refresh (POST /v1/token_refresh), ${POOL}`);
    const forRefresh = await startExchange(setup.configFile, setup.url);
    const re = await runRefresh(forRefresh.target, setup, pool, timing);
    pairs.push({ baseline: base, exchange: ex, refresh: re, ratio: round(ex.rps / base.rps, 3) });
  }
  const median = [...pairs].sort((a, b) => a.ratio - b.ratio)[
    Math.floor(pairs.length / 2)
  ] as (typeof pairs)[0];
  const { baseline, exchange } = median;
  step(`exchange with server.workers 2 (node cluster, pool sized by the primary)`);
  const twoWorkers = await startExchange(setup.twoWorkersConfigFile, setup.url);
  const exchange2 = await runExchange(twoWorkers.target, setup, bodies, timing);
  const haRuns = await runHaPair();
  const { single, ha } = haRuns;
  step(`peer: oidc-provider client_credentials, JWT access tokens (ES256)`);
  const peer = await runPeer({ port: await freePort(), bodyBytes }, timing);
  const device = await runDeviceStep();
  const { d: _private, created_at: _created, ...ownPublicJwk } = setup.signingKey;
  const floorInput = (verify_alg: "RS256" | "ES256", concurrency: number) => ({
    verify_alg,
    tokens: verify_alg === "RS256" ? tokens.slice(0, 2000) : pool.tokens.slice(0, 2000),
    provider_jwk: verify_alg === "RS256" ? issuer.publicJwk : ownPublicJwk,
    signing_jwk: { ...setup.signingKey, created_at: undefined },
    issuer: issuer.issuer,
    audience: AUDIENCE,
    token_issuer: setup.url,
    database: DATABASE,
    concurrency,
    warmup_ms: 1000,
    duration_ms: Math.min(5, timing.durationSeconds) * 1000,
  });
  step("crypto floor: the service's RS256 verify + ES256 sign (jws.ts), no HTTP (1 and 32 in flight)");
  const floor1 = await runFloor(setup.dir, floorInput("RS256", 1));
  const floor32 = await runFloor(setup.dir, floorInput("RS256", CONNECTIONS));
  step(
    "crypto floor of the refresh: ES256 verify of a minted token + ES256 sign, no HTTP (1 and 32 in flight)",
  );
  const refreshFloor1 = await runFloor(setup.dir, floorInput("ES256", 1));
  const refreshFloor32 = await runFloor(setup.dir, floorInput("ES256", CONNECTIONS));
  let long: LongResult | undefined;
  if (args.long) {
    step(`long: ${LONG_EXCHANGES} exchanges on a fresh server, RSS every second`);
    long = await runLong(setup, bodies, LONG_EXCHANGES);
  }

  const floorRow = (name: string, f: typeof floor1): Row => ({
    scenario: name,
    rps: f.ops_per_s,
    ...f,
    cpu_us_per_request: f.cpu_us_per_op,
  });
  // The floor is the cheapest the crypto was done here: the lower CPU per operation of 1 and 32 in flight.
  const cheapest = (a: typeof floor1, b: typeof floor1) =>
    a.cpu_us_per_op === null ? b.cpu_us_per_op : Math.min(a.cpu_us_per_op, b.cpu_us_per_op ?? Infinity);
  const exchangeFloorUs = cheapest(floor1, floor32);
  const refreshFloorUs = cheapest(refreshFloor1, refreshFloor32);
  const perRound = pairs.map((p) => ({
    baseline_cpu_us: p.baseline.cpu_us_per_request,
    exchange_cpu_us: p.exchange.cpu_us_per_request,
    refresh_cpu_us: p.refresh.cpu_us_per_request,
    exchange: efficiency(p.baseline.cpu_us_per_request, exchangeFloorUs, p.exchange.cpu_us_per_request),
    refresh: efficiency(p.baseline.cpu_us_per_request, refreshFloorUs, p.refresh.cpu_us_per_request),
  }));
  const known = (v: Array<number | null>) => v.filter((x): x is number => x !== null);
  const exchangeEfficiency = medianOf(known(perRound.map((r) => r.exchange)));
  const refreshEfficiency = medianOf(known(perRound.map((r) => r.refresh)));
  // The refresh row shown is the one of the median refresh efficiency.
  const refreshPick =
    pairs[perRound.findIndex((r) => r.refresh === refreshEfficiency)] ?? (pairs[0] as (typeof pairs)[0]);
  const refresh = refreshPick.refresh;
  const rows: Row[] = [
    { scenario: "baseline (bare Koa echo), median pair", ...baseline },
    {
      scenario: `exchange (POST /v1/sso_token), ${POOL}, median pair`,
      ...exchange,
    },
    {
      scenario: `refresh (POST /v1/token_refresh), ${POOL}, median efficiency`,
      ...refresh,
    },
    deviceRow(device),
    {
      scenario: `exchange, 2 workers (pool ${recommendedThreadpoolSize(availableParallelism(), 2)} each)`,
      ...exchange2,
    },
    ...haRows(haRuns),
    { scenario: "peer (oidc-provider token)", ...peer },
    floorRow("crypto floor, 1 in flight", floor1),
    floorRow(`crypto floor, ${CONNECTIONS} in flight`, floor32),
    floorRow("refresh crypto floor (ES256 verify + sign), 1 in flight", refreshFloor1),
    floorRow(`refresh crypto floor, ${CONNECTIONS} in flight`, refreshFloor32),
  ];
  const ratios = {
    exchange_over_baseline: median.ratio,
    exchange_over_peer: round(exchange.rps / peer.rps, 3),
    exchange_2_workers_over_baseline: round(exchange2.rps / baseline.rps, 3),
    exchange_over_floor: round(exchange.rps / floor32.ops_per_s, 3),
    refresh_over_baseline: round(refresh.rps / refreshPick.baseline.rps, 3),
  };
  const cpu = {
    floor_exchange_us: exchangeFloorUs,
    floor_refresh_us: refreshFloorUs,
    rounds: perRound,
    exchange_efficiency: exchangeEfficiency,
    refresh_efficiency: refreshEfficiency,
    ha_instances_over_one_process: haRatio(haRuns),
    device_verify_us: device.cpu_us_per_request,
  };
  const efficiencyLine = (
    name: string,
    us: (r: (typeof perRound)[0]) => number | null,
    floorUs: number | null,
    e: (r: (typeof perRound)[0]) => number | null,
  ) =>
    `${name}: ${perRound.map((r) => `(${r.baseline_cpu_us} + ${floorUs}) / ${us(r)} = ${e(r)}`).join("; ")}`;
  const cpuLines = [
    `server CPU per request (user + system of the process tree over the measured window): baseline ${baseline.cpu_us_per_request} µs, exchange ${exchange.cpu_us_per_request} µs, refresh ${refresh.cpu_us_per_request} µs, device verify ${device.cpu_us_per_request} µs; crypto floor ${exchangeFloorUs} µs per exchange (RS256 verify + ES256 sign), ${refreshFloorUs} µs per refresh (ES256 verify + ES256 sign), the cheaper of 1 and ${CONNECTIONS} in flight`,
    `efficiency against the floor, (baseline + floor) / scenario, per round: ${efficiencyLine(
      "exchange",
      (r) => r.exchange_cpu_us,
      exchangeFloorUs,
      (r) => r.exchange,
    )}; ${efficiencyLine(
      "refresh",
      (r) => r.refresh_cpu_us,
      refreshFloorUs,
      (r) => r.refresh,
    )}; medians ${exchangeEfficiency} and ${refreshEfficiency}`,
    deviceSummary(device),
  ];
  const exchanges = [...pairs.map((p) => p.exchange), ...pairs.map((p) => p.refresh), exchange2];
  const correct = exchanges.every((e) => e.errors === 0 && e.minted_check.valid === e.minted_check.checked);
  const targets: TargetCheck[] = [
    {
      target: "exchange ≥ 0.6× baseline",
      value: `${ratios.exchange_over_baseline}×`,
      pass: ratios.exchange_over_baseline >= 0.6,
    },
    { target: "zero exchange errors", value: String(exchange.errors), pass: exchange.errors === 0 },
    { target: "p99 ≤ 10 ms", value: `${exchange.p99_ms} ms`, pass: exchange.p99_ms <= 10 },
    {
      target: "exchange efficiency against the floor ≥ 0.85 (median of the rounds)",
      value: String(exchangeEfficiency),
      pass: exchangeEfficiency === null ? null : exchangeEfficiency >= 0.85,
    },
    {
      target: "refresh efficiency against the floor ≥ 0.85 (median of the rounds)",
      value: String(refreshEfficiency),
      pass: refreshEfficiency === null ? null : refreshEfficiency >= 0.85,
    },
    haTarget(haRuns),
    deviceTarget(device),
    {
      target: `refresh p99 ≤ 10 ms at ${CONNECTIONS} connections`,
      value: `${refresh.p99_ms} ms`,
      pass: refresh.p99_ms <= 10,
    },
    {
      target: "zero refresh errors",
      value: String(pairs.reduce((n, p) => n + p.refresh.errors, 0)),
      pass: pairs.every((p) => p.refresh.errors === 0),
    },
    { target: "start to ready ≤ 300 ms (median)", value: `${startMs} ms`, pass: startMs <= 300 },
    long
      ? {
          target: `RSS ≤ 150 MB after ${LONG_EXCHANGES} exchanges (highest of the last 20%), no growth after warm-up (lowest to lowest, ≤ 10 MB)`,
          value: `${long.rss_max_end_mb} MB, growth ${long.growth_mb} MB (${long.rss_floor_after_warmup_mb} → ${long.rss_floor_end_mb}), ${long.errors} errors, ${long.rps} req/s`,
          pass:
            (long.rss_max_end_mb ?? Number.POSITIVE_INFINITY) <= 150 &&
            (long.growth_mb ?? Number.POSITIVE_INFINITY) <= 10 &&
            long.errors === 0,
        }
      : { target: "RSS after 100,000 exchanges", value: "run with --long", pass: null },
  ];

  console.log(
    `\n${CONNECTIONS} connections, ${timing.durationSeconds} s each after ${timing.warmupSeconds} s warm-up, body ${bodyBytes} bytes, loopback\n`,
  );
  console.log(
    `baseline/exchange pairs: ${pairs.map((p) => `${p.baseline.rps}/${p.exchange.rps} = ${p.ratio}×`).join(", ")}; the table shows the median pair\n`,
  );
  printTable(rows);
  console.log(
    `\nexchange/baseline ${ratios.exchange_over_baseline}× (2 workers ${ratios.exchange_2_workers_over_baseline}×)   exchange/peer ${ratios.exchange_over_peer}×   ` +
      `crypto floor ${floor32.ops_per_s} ops/s (${floor1.ops_per_s} with 1 in flight)   start to ready ${startMs} ms`,
  );
  console.log(
    `minted tokens checked against the service's JWKS: ${exchange.minted_check.valid}/${exchange.minted_check.checked} valid; ` +
      `id_tokens used ${exchange.tokens_used} (1 worker) and ${exchange2.tokens_used} (2 workers) of ${tokens.length} ` +
      `(${exchange.tokens_reused} and ${exchange2.tokens_reused} reused); ` +
      `issuer served ${JSON.stringify(issuer.hits)}`,
  );
  console.log(
    `refresh: ${refresh.minted_check.valid}/${refresh.minted_check.checked} refreshed tokens valid; ${refresh.tokens_used} requests over ${pool.tokens.length} minted tokens (${refresh.tokens_reused} reused)\n`,
  );
  for (const line of cpuLines) console.log(line);
  console.log("");
  printTargets(targets);
  if (!correct) {
    const failures = exchanges.flatMap((e) => e.minted_check.failures);
    console.error(`\nFAIL: correctness: ${JSON.stringify(failures)}`);
    process.exitCode = 1;
  }

  const date = new Date().toISOString();
  const report = {
    date,
    machine: { ...machine, loadavg_end: loadavg().map((l) => round(l, 2)) },
    settings: {
      connections: CONNECTIONS,
      pipelining: 1,
      warmup_s: timing.warmupSeconds,
      duration_s: timing.durationSeconds,
      rounds,
      body_bytes: bodyBytes,
      token_pool: tokens.length,
      provider_alg: "RS256",
      minting_alg: "ES256",
      peer: "oidc-provider client_credentials, resourceIndicators, accessTokenFormat jwt, ES256, client_secret_basic",
      targets_from: "built JS (dist/bench), NODE_ENV=production, logs at info to /dev/null",
      exchange_threadpool: `UV_THREADPOOL_SIZE unset: the executable's choice, ${RECOMMENDED_POOL} for ${machine.cores} cores`,
    },
    build_ms: Math.round(build.ms),
    mint_ms: mintMs,
    start_to_ready_ms: { median: startMs, samples: starts },
    exchange_rss_when_ready_mb: readyRss,
    pairs,
    scenarios: {
      baseline,
      exchange,
      refresh,
      device_verify: device,
      exchange_2_workers: exchange2,
      exchange_single_cpu: single,
      exchange_ha_2_instances: ha,
      exchange_ha_replay_wait_1: haRuns.wait1,
      exchange_ha_replay_wait_0: haRuns.wait0,
      peer,
      crypto_floor_1: floor1,
      crypto_floor_32: floor32,
      refresh_crypto_floor_1: refreshFloor1,
      refresh_crypto_floor_32: refreshFloor32,
    },
    refresh_pool: { tokens: pool.tokens.length, mint_ms: pool.ms },
    cpu,
    ratios,
    issuer_hits: issuer.hits,
    targets,
    ...(long && { long }),
  };
  await writeFile(join(ROOT, "bench/results/latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  for (const readme of ["bench/README.md", "docs/benchmark.md"]) {
    await updateReadme(
      join(ROOT, readme),
      `Latest figures: ${date.slice(0, 10)}, ${machine.cores} cores (${machine.cpu}), node ${machine.node}, load average ${machine.loadavg_start[0]} at start.`,
      rows,
      [
        `exchange/baseline ${ratios.exchange_over_baseline}× (median of ${pairs.map((p) => `${p.ratio}×`).join(", ")}; 2 workers ${ratios.exchange_2_workers_over_baseline}×), exchange/peer ${ratios.exchange_over_peer}×, start to ready ${startMs} ms (median of ${starts.length})`,
        haSummary(haRuns),
        ...cpuLines,
        ...targets.map(
          (t) => `${t.pass === null ? "not run" : t.pass ? "PASS" : "FAIL"}: ${t.target}: ${t.value}`,
        ),
      ],
    );
  }
  step("wrote bench/results/latest.json and the figures in bench/README.md and docs/benchmark.md");
}
