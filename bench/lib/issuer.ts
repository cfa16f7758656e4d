/**
 * The bench's minimal OpenID provider: one RS256 key, a loopback HTTP server answering discovery and the
 * key set (so the service fetches keys over HTTP, as in production), and a pool of pre-signed id_tokens
 * with distinct `sub` and `jti`, signed by worker threads.
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { JWK } from "jose";
import type { MintJob } from "../targets/mint-worker.js";
import { target } from "./build.js";

export interface BenchIssuer {
  issuer: string;
  publicJwk: JWK & { kid: string };
  /** Requests served, by path: proves the service fetched discovery and keys over HTTP. */
  hits: Record<string, number>;
  mint(count: number, opts: { audience: string; group: string; ttlSeconds: number }): Promise<string[]>;
  close(): Promise<void>;
}

export async function startIssuer(): Promise<BenchIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `bench-${randomUUID()}`;
  const publicJwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" } as JWK & {
    kid: string;
  };
  const privateJwk = privateKey.export({ format: "jwk" }) as Record<string, unknown>;
  const hits: Record<string, number> = {};
  let issuer = "";
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    hits[path] = (hits[path] ?? 0) + 1;
    const body =
      path === "/.well-known/openid-configuration"
        ? { issuer, jwks_uri: `${issuer}/jwks.json`, id_token_signing_alg_values_supported: ["RS256"] }
        : path === "/jwks.json"
          ? { keys: [publicJwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("issuer has no TCP address");
  issuer = `http://127.0.0.1:${address.port}`;

  return {
    issuer,
    publicJwk,
    hits,
    async mint(count, { audience, group, ttlSeconds }) {
      const iat = Math.floor(Date.now() / 1000);
      const workers = Math.max(1, Math.min(availableParallelism(), 8));
      const per = Math.ceil(count / workers);
      const chunks = await Promise.all(
        Array.from({ length: workers }, (_, w) => {
          const job: MintJob = {
            private_jwk: privateJwk,
            kid,
            issuer,
            audience,
            group,
            from: w * per,
            to: Math.min(count, (w + 1) * per),
            iat,
            exp: iat + ttlSeconds,
          };
          return new Promise<string[]>((resolve, reject) => {
            const worker = new Worker(target("mint-worker"), { workerData: job });
            worker.once("message", (tokens: string[]) => {
              resolve(tokens);
              void worker.terminate();
            });
            worker.once("error", reject);
          });
        }),
      );
      return chunks.flat();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
