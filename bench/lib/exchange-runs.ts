/** The exchange scenario, its long memory check, and its CPU profile. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "./build.js";
import { stopTarget, type Target, treeMemoryOf } from "./child.js";
import { figures, fire } from "./load.js";
import { type ProfileSummary, printSelfTimes, summarizeProfile } from "./profile.js";
import {
  BodyCycle,
  checkMinted,
  loadTarget,
  type MintedSample,
  type SampleCheck,
  type ScenarioResult,
  sampler,
  startExchange,
  type Timing,
} from "./scenarios.js";
import { DATABASE, type ExchangeSetup, subjectOf } from "./setup.js";

export const EXCHANGE_PATH = "/v1/sso_token";

export interface ExchangeResult extends ScenarioResult {
  tokens_used: number;
  tokens_reused: number;
  minted_check: SampleCheck;
}

/** One request outside the load, so a broken setup fails with its reason instead of 10 s of errors. */
async function preflight(url: string, body: Buffer): Promise<void> {
  const response = await fetch(`${url}${EXCHANGE_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  if (response.status !== 200) {
    throw new Error(`the exchange preflight answered ${response.status}: ${await response.text()}`);
  }
}

export async function runExchange(
  t: Target,
  setup: ExchangeSetup,
  bodies: Buffer[],
  timing: Timing,
  /** loadTarget's: started as the measured window opens. */
  onWindow?: () => () => Promise<void>,
): Promise<ExchangeResult> {
  try {
    await preflight(setup.url, bodies[bodies.length - 1] as Buffer);
    const cycle = new BodyCycle(bodies);
    const samples: MintedSample[] = [];
    const result = await loadTarget(
      t,
      () => [cycle.request(EXCHANGE_PATH, sampler(samples))],
      timing,
      undefined,
      onWindow,
    );
    const minted_check = await checkMinted(setup.url, samples, {
      database: DATABASE,
      subjectOf: (i) => subjectOf(i % bodies.length),
    });
    return { ...result, tokens_used: cycle.used, tokens_reused: cycle.reused, minted_check };
  } finally {
    await stopTarget(t.process);
  }
}

export interface LongResult {
  requests: number;
  seconds: number;
  rps: number;
  errors: number;
  p99_ms: number;
  /**
   * RSS swings by tens of MB with each young-generation collection, so windows are compared: the lowest
   * sample between 10% and 30% of the exchanges (after warm-up) against the lowest in the last 20%.
   */
  rss_floor_after_warmup_mb: number | null;
  rss_floor_end_mb: number | null;
  /** The highest sample in the last 20%: what the ≤ 150 MB target is checked against. */
  rss_max_end_mb: number | null;
  rss_end_mb: number | null;
  growth_mb: number | null;
  series: Array<{ requests: number; rss_mb: number }>;
}

function window(series: LongResult["series"], from: number, to: number): number[] {
  return series.filter((s) => s.requests >= from && s.requests <= to).map((s) => s.rss_mb);
}
const lowest = (v: number[]) => (v.length > 0 ? Math.min(...v) : null);
const highest = (v: number[]) => (v.length > 0 ? Math.max(...v) : null);

/** A fresh server, `total` exchanges, RSS sampled every second. */
export async function runLong(setup: ExchangeSetup, bodies: Buffer[], total: number): Promise<LongResult> {
  const { target: t } = await startExchange(setup.configFile, setup.url);
  const series: LongResult["series"] = [];
  let done = 0;
  const timer = setInterval(() => {
    const memory = treeMemoryOf(t.pid);
    if (memory) series.push({ requests: done, rss_mb: memory.rss_mb });
  }, 1000);
  try {
    const cycle = new BodyCycle(bodies);
    const r = figures(
      await fire({
        url: setup.url,
        requests: [cycle.request(EXCHANGE_PATH)],
        durationSeconds: 0,
        amount: total,
        limitSeconds: 300,
        onResponseCount: (count) => {
          done = count;
        },
      }),
    );
    clearInterval(timer);
    const end = treeMemoryOf(t.pid)?.rss_mb ?? null;
    if (end !== null) series.push({ requests: done, rss_mb: end });
    const warm = lowest(window(series, total * 0.1, total * 0.3));
    const last = window(series, total * 0.8, total);
    const floorEnd = lowest(last);
    return {
      requests: r.requests,
      seconds: r.seconds,
      rps: r.rps,
      errors: r.errors,
      p99_ms: r.p99_ms,
      rss_floor_after_warmup_mb: warm,
      rss_floor_end_mb: floorEnd,
      rss_max_end_mb: highest(last),
      rss_end_mb: end,
      growth_mb: warm === null || floorEnd === null ? null : Math.round((floorEnd - warm) * 10) / 10,
      series,
    };
  } finally {
    clearInterval(timer);
    await stopTarget(t.process);
  }
}

/** The exchange under `node --cpu-prof`: once from spawn to ready, once under load; prints the top entries. */
export async function runProfile(
  setup: ExchangeSetup,
  bodies: Buffer[],
  timing: Timing,
): Promise<{ load: ExchangeResult; profile: ProfileSummary; startup: ProfileSummary }> {
  const dir = join(ROOT, "bench/results/profiles");
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const profiled = (name: string) => ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`];
  const root = `${ROOT}/`;

  // Targets exit with code 0 on SIGTERM, which is when node writes the profile.
  const startName = `startup-${stamp}.cpuprofile`;
  const boot = await startExchange(setup.configFile, setup.url, { nodeArgs: profiled(startName) });
  await stopTarget(boot.target.process);
  const startup = await summarizeProfile(join(dir, startName), root, 15, 12);
  console.log(`\nstart to ready under --cpu-prof: ${boot.ms} ms`);
  printSelfTimes(`startup: top ${startup.functions.length} functions by self time`, startup.functions);
  printSelfTimes("startup: modules, natives charged to their caller", startup.callers);

  const name = `exchange-${stamp}.cpuprofile`;
  const { target: t } = await startExchange(setup.configFile, setup.url, { nodeArgs: profiled(name) });
  const load = await runExchange(t, setup, bodies, timing);
  const profile = await summarizeProfile(join(dir, name), root);
  printSelfTimes(
    `\nunder load: top ${profile.functions.length} functions by self time (${name})`,
    profile.functions,
  );
  printSelfTimes(`under load: top ${profile.modules.length} modules by self time`, profile.modules);
  printSelfTimes(
    "under load: modules, node internals and natives charged to their calling package or file",
    profile.callers,
  );
  await writeFile(
    join(ROOT, "bench/results/profile.json"),
    `${JSON.stringify({ date: new Date().toISOString(), load, profile: { ...profile, file: name }, startup: { ...startup, file: startName } }, null, 2)}\n`,
  );
  return { load, profile, startup };
}
