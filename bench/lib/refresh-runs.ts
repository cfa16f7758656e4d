/**
 * The refresh scenario: `POST /v1/token_refresh` on the product, each request carrying a token this service
 * minted (`Authorization: Bearer`) and `{"database": …}` granted to its user. The pool is minted through the
 * exchange first, on a server of its own; the refresh then runs on a fresh server with the same key file,
 * loaded exactly as the exchange is (one ES256 check and one ES256 signature per request).
 */
import type autocannon from "autocannon";
import { stopTarget, type Target } from "./child.js";
import { EXCHANGE_PATH } from "./exchange-runs.js";
import { fire } from "./load.js";
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

export const REFRESH_PATH = "/v1/token_refresh";

export interface MintedPool {
  /** Tokens minted by the service, and the user each names. */
  tokens: string[];
  subjects: string[];
  ms: number;
}

/** `count` exchanges on a fresh server (32 connections), keeping every minted token. */
export async function mintPool(setup: ExchangeSetup, bodies: Buffer[], count: number): Promise<MintedPool> {
  const started = performance.now();
  const { target } = await startExchange(setup.configFile, setup.url);
  const tokens: string[] = [];
  const subjects: string[] = [];
  try {
    const cycle = new BodyCycle(bodies);
    const onResponse: autocannon.Request["onResponse"] = (status, body, context) => {
      if (status !== 200) return;
      tokens.push((JSON.parse(body) as { id_token: string }).id_token);
      subjects.push(subjectOf((context as { i: number }).i % bodies.length));
    };
    await fire({
      url: setup.url,
      requests: [cycle.request(EXCHANGE_PATH, onResponse)],
      durationSeconds: 0,
      amount: count,
      limitSeconds: 120,
    });
  } finally {
    await stopTarget(target.process);
  }
  if (tokens.length < count)
    throw new Error(`minting the refresh pool: ${tokens.length} of ${count} answered 200`);
  return { tokens, subjects, ms: Math.round(performance.now() - started) };
}

export interface RefreshResult extends ScenarioResult {
  tokens_used: number;
  tokens_reused: number;
  minted_check: SampleCheck;
}

/** Requests that each present the next token of the pool. */
class BearerCycle {
  used = 0;
  readonly body = Buffer.from(JSON.stringify({ database: DATABASE }));
  constructor(readonly tokens: string[]) {}

  request(onResponse?: autocannon.Request["onResponse"]): autocannon.Request {
    return {
      method: "POST",
      path: REFRESH_PATH,
      headers: { "content-type": "application/json" },
      body: this.body,
      setupRequest: (req, context) => {
        const i = this.used++;
        (context as { i?: number }).i = i;
        req.headers = {
          "content-type": "application/json",
          authorization: `Bearer ${this.tokens[i % this.tokens.length]}`,
        };
        return req;
      },
      ...(onResponse && { onResponse }),
    };
  }

  get reused(): number {
    return Math.max(0, this.used - this.tokens.length);
  }
}

async function preflight(url: string, token: string): Promise<void> {
  const response = await fetch(`${url}${REFRESH_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ database: DATABASE }),
  });
  if (response.status !== 200) {
    // The answer is an error body (no token): safe to show.
    throw new Error(`the refresh preflight answered ${response.status}: ${await response.text()}`);
  }
}

export async function runRefresh(
  t: Target,
  setup: ExchangeSetup,
  pool: MintedPool,
  timing: Timing,
): Promise<RefreshResult> {
  try {
    await preflight(setup.url, pool.tokens[pool.tokens.length - 1] as string);
    const cycle = new BearerCycle(pool.tokens);
    const samples: MintedSample[] = [];
    const result = await loadTarget(t, () => [cycle.request(sampler(samples))], timing);
    const minted_check = await checkMinted(setup.url, samples, {
      database: DATABASE,
      subjectOf: (i) => pool.subjects[i % pool.tokens.length] as string,
      field: "access_token",
    });
    return { ...result, tokens_used: cycle.used, tokens_reused: cycle.reused, minted_check };
  } finally {
    await stopTarget(t.process);
  }
}
