/**
 * Bench target: the crypto floor. The exchange's own signature check (RS256) and signing (ES256, the same
 * header and claims), through the service's src/keys/jws.ts, in a loop with `concurrency` exchanges in
 * flight, no HTTP; or, with `verify_alg: "ES256"` and tokens this service minted, the refresh's (an ES256
 * check and an ES256 signature). It also reports its own CPU time (process.cpuUsage: every thread of the
 * process, the pool's included) over the measured loop. node:crypto's callback API runs on libuv's thread pool, so in-flight exchanges can use
 * several cores, as they do in the server. Argument: the path of a JSON file of {@link FloorInput}; answers one message.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { JWK } from "jose";
import { importPrivateJwk, importPublicJwk, signCompact, verifySignature } from "../../src/keys/jws.js";
import { announce, exitOnStop } from "./lifecycle.js";

export interface FloorInput {
  /** RS256 for the exchange's provider id_tokens; ES256 for the refresh's tokens minted by the service. */
  verify_alg: "RS256" | "ES256";
  tokens: string[];
  provider_jwk: JWK;
  signing_jwk: JWK & { kid: string };
  issuer: string;
  audience: string;
  token_issuer: string;
  database: string;
  concurrency: number;
  warmup_ms: number;
  duration_ms: number;
}

/** Upper bound of recorded latencies, so memory stays bounded whatever the machine's speed. */
const MAX_SAMPLES = 2_000_000;

const input = JSON.parse(await readFile(process.argv[2] ?? "", "utf8")) as FloorInput;
const verifyKey = importPublicJwk(input.provider_jwk as Record<string, unknown>);
const signKey = importPrivateJwk(input.signing_jwk as Record<string, unknown>);
const header = Buffer.from(
  JSON.stringify({ alg: "ES256", typ: "at+jwt", kid: input.signing_jwk.kid }),
).toString("base64url");

async function exchangeOnce(token: string): Promise<void> {
  const dot = token.lastIndexOf(".");
  const signature = Buffer.from(token.slice(dot + 1), "base64url");
  if (!(await verifySignature(input.verify_alg, Buffer.from(token.slice(0, dot)), signature, verifyKey)))
    throw new Error("signature");
  const payload = JSON.parse(Buffer.from(token.slice(token.indexOf(".") + 1, dot), "base64url").toString());
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    iss: input.token_issuer,
    sub: String(payload.sub),
    aud: input.token_issuer,
    database: input.database,
    idp: "bench",
    groups: payload.groups,
    client_id: input.audience,
    auth_time: payload.auth_time ?? iat,
    iat,
    exp: Math.min(iat + 3600, payload.exp ?? iat + 3600),
    jti: randomUUID(),
  };
  await signCompact(
    "ES256",
    `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`,
    signKey,
  );
}

async function run(
  ms: number,
  latencies: Float64Array | undefined,
): Promise<{ ops: number; errors: number }> {
  const end = performance.now() + ms;
  let next = 0;
  let ops = 0;
  let errors = 0;
  async function lane(): Promise<void> {
    while (performance.now() < end && ops < MAX_SAMPLES) {
      const token = input.tokens[next++ % input.tokens.length] as string;
      const started = performance.now();
      try {
        await exchangeOnce(token);
      } catch {
        errors++;
      }
      if (latencies) latencies[ops] = performance.now() - started;
      ops++;
    }
  }
  await Promise.all(Array.from({ length: input.concurrency }, lane));
  return { ops, errors };
}

exitOnStop(async () => {});
await run(input.warmup_ms, undefined);
const latencies = new Float64Array(MAX_SAMPLES);
const cpuBefore = process.cpuUsage();
const started = performance.now();
const { ops, errors } = await run(input.duration_ms, latencies);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const sorted = latencies.subarray(0, ops).sort();
const at = (q: number) => sorted[Math.min(ops - 1, Math.floor(q * ops))] ?? 0;
announce({
  ops,
  errors,
  seconds,
  cpu_us: cpu.user + cpu.system,
  p50: at(0.5),
  p99: at(0.99),
  max: sorted[ops - 1] ?? 0,
});
