/**
 * Several instances of the service as one: N real servers in-process on their own loopback ports, one
 * key file, one issuer, one real Redis, and a real nginx in front (round robin, X-Forwarded-For).
 * Requests go through nginx, as a client's would.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateStoredKey, writeKeyFile } from "../../src/keys/key-file.js";
import {
  type ExchangeResponse,
  type Harness,
  type HarnessOptions,
  type HarnessResponse,
  startHarness,
  toResponse,
} from "./harness.js";
import { rememberToken } from "./log-collector.js";
import { type Nginx, startNginx } from "./nginx.js";
import type { EmbeddedProvider } from "./provider.js";
import type { RedisServer } from "./redis.js";

export const CLUSTER_ISSUER = "https://sso.cluster.test";

export interface Cluster {
  instances: Harness[];
  nginx: Nginx;
  keysFile: string;
  /** `POST /v1/sso_token` through nginx. */
  post(body: Record<string, unknown>): Promise<ExchangeResponse>;
  get(path: string): Promise<HarnessResponse>;
  close(): Promise<void>;
}

export interface ClusterOptions extends Omit<HarnessOptions, "provider" | "state" | "token"> {
  provider: EmbeddedProvider;
  /** One redis-server, or the `state.redis` settings of another setup (Sentinel: redis-sentinel.ts). */
  redis: RedisServer | { settings: NonNullable<NonNullable<HarnessOptions["state"]>["redis"]> };
  size?: number;
  token?: HarnessOptions["token"];
  /** Prefix of this cluster's keys in Redis (default: one of its own). */
  prefix?: string;
}

let clusters = 0;

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { provider, redis, size = 3, prefix = `cluster-${process.pid}-${++clusters}:`, ...rest } = options;
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-cluster-"));
  const keysFile = join(dir, "signing-keys.json");
  // Written once before any instance starts, as an operator (or serve's primary) would.
  await writeKeyFile(keysFile, { keys: [await generateStoredKey("ES256")] });
  const instances: Harness[] = [];
  let nginx: Nginx | undefined;
  try {
    for (let i = 0; i < size; i++) {
      instances.push(
        await startHarness({
          ...rest,
          provider,
          server: { trust_proxy: true, ...rest.server },
          token: { issuer: CLUSTER_ISSUER, keys_file: keysFile, ...options.token },
          state: {
            redis: {
              timeout_ms: 300,
              ...("settings" in redis ? redis.settings : { url: redis.url }),
              prefix,
            },
          },
        }),
      );
    }
    nginx = await startNginx(instances.map((h) => new URL(h.url).host));
  } catch (err) {
    await Promise.all(instances.map((h) => h.close()));
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const front = nginx;
  return {
    instances,
    nginx: front,
    keysFile,
    async post(body) {
      for (const key of ["id_token", "access_token"]) rememberToken(body[key]);
      const response = await toResponse<NonNullable<ExchangeResponse["json"]>>(
        await fetch(`${front.url}/v1/sso_token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );
      rememberToken(response.json?.id_token);
      return response;
    },
    async get(path) {
      return toResponse<unknown>(await fetch(`${front.url}${path}`));
    },
    async close() {
      await front.close();
      await Promise.all(instances.map((h) => h.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One answer of {@link mixedLoad}. */
export interface LoadAnswer {
  id_token: string;
  /** A token this load had exchanged before, sent again. */
  replay: boolean;
  /** When it was sent, on the load's clock. */
  sent: number;
  /** `status vendor_code`, e.g. `401 -1235` (0 without a vendor code). */
  key: string;
  response: ExchangeResponse;
}

export interface MixedLoadOptions {
  cluster: Cluster;
  provider: EmbeddedProvider;
  /** The load's clock: ms since it began. */
  at: () => number;
  /** Each worker sends another request while this is true. */
  running: () => boolean;
  /** What a 200 or a 401 means is the caller's: what was wrong with it, if anything (default: nothing). */
  onAnswer?: (answer: LoadAnswer) => string | undefined;
}

/**
 * Four workers posting to the cluster, one request at a time each, every fourth request replaying a token
 * exchanged before (chosen across the run), the others a fresh ID token of alice's. A 503 must carry
 * -1220 and Retry-After; a status other than 200, 401 or 503 is unexpected.
 */
export async function mixedLoad(options: MixedLoadOptions) {
  const { cluster, provider, at, running, onAnswer } = options;
  const byStatus = new Map<string, number>();
  /** How often each token was exchanged (answered 200). */
  const mintedBy = new Map<string, number>();
  const unexpected: string[] = [];
  let requests = 0;
  const worker = async (n: number) => {
    for (let i = 0; running(); i++) {
      const minted = [...mintedBy.keys()];
      const replay = i % 4 === 3 && minted.length > 0;
      const id_token = replay
        ? (minted[(i * 7 + n) % minted.length] as string)
        : (await provider.issueTokens("alice")).id_token;
      const sent = at();
      const response = await cluster.post({ id_token, database: "retail_analytics" });
      requests++;
      const key = `${response.status} ${response.json?.status?.vendor_code ?? 0}`;
      byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
      if (response.status === 200) mintedBy.set(id_token, (mintedBy.get(id_token) ?? 0) + 1);
      if (response.status === 503) {
        if (response.json?.status?.vendor_code !== -1220 || !response.headers.get("retry-after"))
          unexpected.push(`503 without -1220 / Retry-After: ${response.text}`);
      } else if (response.status !== 200 && response.status !== 401) {
        unexpected.push(`${key}: ${response.text.slice(0, 200)}`);
      }
      const wrong = onAnswer?.({ id_token, replay, sent, key, response });
      if (wrong !== undefined) unexpected.push(wrong);
    }
  };
  await Promise.all([worker(0), worker(1), worker(2), worker(3)]);
  return { requests, byStatus, mintedBy, unexpected };
}
