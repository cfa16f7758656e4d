/**
 * Bench target: the crypto floor. The exchange's verify (jose `jwtVerify`, RS256, the same options) plus
 * its mint (jose `SignJWT`, ES256, the same header and claims) in a loop with `concurrency` exchanges in
 * flight, no HTTP. WebCrypto runs on libuv's thread pool, so in-flight exchanges can use several cores, as
 * they do in the server. Argument: the path of a JSON file of {@link FloorInput}; answers one message.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { type CryptoKey, importJWK, type JWK, jwtVerify, SignJWT } from "jose";
import { announce, exitOnStop } from "./lifecycle.js";

export interface FloorInput {
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
const verifyKey = (await importJWK(input.provider_jwk, "RS256")) as CryptoKey;
const signKey = (await importJWK(input.signing_jwk, "ES256")) as CryptoKey;

async function exchangeOnce(token: string): Promise<void> {
  const { payload } = await jwtVerify(token, verifyKey, {
    issuer: input.issuer,
    audience: [input.audience],
    algorithms: ["RS256", "ES256"],
    clockTolerance: 60,
    requiredClaims: ["sub", "exp", "iat"],
  });
  const iat = Math.floor(Date.now() / 1000);
  await new SignJWT({
    database: input.database,
    idp: "bench",
    groups: payload.groups,
    client_id: input.audience,
  })
    .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: input.signing_jwk.kid })
    .setIssuer(input.token_issuer)
    .setSubject(String(payload.sub))
    .setAudience(input.token_issuer)
    .setIssuedAt(iat)
    .setExpirationTime(Math.min(iat + 3600, payload.exp ?? iat + 3600))
    .setJti(randomUUID())
    .sign(signKey);
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
const started = performance.now();
const { ops, errors } = await run(input.duration_ms, latencies);
const seconds = (performance.now() - started) / 1000;
const sorted = latencies.subarray(0, ops).sort();
const at = (q: number) => sorted[Math.min(ops - 1, Math.floor(q * ops))] ?? 0;
announce({
  ops,
  errors,
  seconds,
  p50: at(0.5),
  p99: at(0.99),
  max: sorted[ops - 1] ?? 0,
});
