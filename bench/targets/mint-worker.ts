/**
 * Worker of the bench's token issuer: signs id_tokens RS256 with node:crypto (synchronous, faster than
 * WebCrypto for bulk signing) for a range of subject numbers, and posts them back.
 */
import { createPrivateKey, randomUUID, sign } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

export interface MintJob {
  private_jwk: Record<string, unknown>;
  kid: string;
  issuer: string;
  audience: string;
  group: string;
  from: number;
  to: number;
  iat: number;
  exp: number;
}

const job = workerData as MintJob;
const key = createPrivateKey({ key: job.private_jwk as never, format: "jwk" });
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const header = encode({ alg: "RS256", kid: job.kid, typ: "JWT" });

const tokens: string[] = [];
for (let i = job.from; i < job.to; i++) {
  const user = `user${String(i).padStart(6, "0")}`;
  const payload = encode({
    iss: job.issuer,
    sub: user,
    aud: job.audience,
    exp: job.exp,
    iat: job.iat,
    auth_time: job.iat,
    jti: randomUUID(),
    preferred_username: user,
    email: `${user}@bench.example`,
    email_verified: true,
    groups: [job.group],
  });
  const input = `${header}.${payload}`;
  tokens.push(`${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`);
}
parentPort?.postMessage(tokens);
