/**
 * The provider call itself (src/provider/provider-http.ts), against a real node:http server on loopback
 * whose answer each test picks: a body read in pieces, a body over the size cap (declared, or chunked
 * without a length), a connection cut mid-body, a body that stalls past the deadline, a provider that
 * is not listening, and a connection kept alive from one call to the next.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderUnavailable } from "../../src/errors.js";
import { providerFetch, readJson } from "../../src/provider/provider-http.js";

const CAP = 512 * 1024;
/** Long enough that a loaded machine never turns a call that should succeed into a timeout. */
const PATIENT_MS = 10_000;
/** The deadline of the stalling call: it is what fails that call, so it can be short. */
const STALL_DEADLINE_MS = 300;

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

const answers: Record<string, Answer> = {
  "/pieces": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"a":');
    setTimeout(() => res.end('[1,2,3],"b":"x"}'), 20);
  },
  "/declared-too-big": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": String(CAP + 1) });
    res.end(`"${"x".repeat(CAP - 1)}"`);
  },
  "/chunked-too-big": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const piece = "x".repeat(64 * 1024);
    res.write(`"`);
    for (let i = 0; i < 9; i++) res.write(piece);
    res.end(`"`);
  },
  "/cut": (req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
    res.write('{"half":');
    setTimeout(() => req.socket.destroy(), 20);
  },
  "/stall": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
    res.write('{"half":');
  },
  "/echo": (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          method: req.method,
          body: Buffer.concat(chunks).toString(),
          port: req.socket.remotePort,
        }),
      );
    });
  },
};

let server: Server;
let base: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) =>
    (answers[req.url ?? ""] ?? ((_q, r) => r.writeHead(404).end()))(req, res),
  );
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe("providerFetch and readJson", () => {
  it("reads a JSON body that arrives in pieces", async () => {
    const answer = await providerFetch(`${base}/pieces`, { timeoutMs: PATIENT_MS });
    expect(answer.status).toBe(200);
    expect(await readJson(answer)).toEqual({ a: [1, 2, 3], b: "x" });
  });

  it("posts the body with its length and keeps the connection for the next call", async () => {
    const call = async () =>
      readJson(
        await providerFetch(`${base}/echo`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "a=1&b=é",
          timeoutMs: PATIENT_MS,
        }),
      ) as Promise<{ method: string; body: string; port: number }>;
    const first = await call();
    const second = await call();
    expect(first).toMatchObject({ method: "POST", body: "a=1&b=é" });
    expect(second.port).toBe(first.port);
  });

  it.each(["/declared-too-big", "/chunked-too-big"])(
    "refuses a body over 512 KiB (%s): undefined",
    async (path) => {
      const answer = await providerFetch(`${base}${path}`, { timeoutMs: PATIENT_MS });
      expect(await readJson(answer)).toBeUndefined();
    },
  );

  it("a connection cut mid-body reads as no JSON, not as a timeout", async () => {
    const answer = await providerFetch(`${base}/cut`, { timeoutMs: PATIENT_MS });
    expect(await readJson(answer)).toBeUndefined();
  });

  it("a body that stalls past the deadline fails its reading with the deadline's error", async () => {
    const answer = await providerFetch(`${base}/stall`, { timeoutMs: STALL_DEADLINE_MS });
    const failure = await readJson(answer).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ProviderUnavailable);
    expect((failure as Error).message).toBe("the identity provider did not answer in time");
  });

  it("an answer cancelled before it is read rejects its reading, never hangs", async () => {
    const answer = await providerFetch(`${base}/stall`, { timeoutMs: PATIENT_MS });
    await answer.body.cancel();
    await expect(answer.body.read(CAP)).rejects.toThrow();
  });

  it("a provider not listening is unreachable, and a URL of another scheme is refused the same way", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    for (const url of [`http://127.0.0.1:${port}/x`, "ftp://127.0.0.1/x", "not a url"]) {
      const failure = await providerFetch(url, { timeoutMs: PATIENT_MS }).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ProviderUnavailable);
      expect((failure as Error).message).toBe("the identity provider is unreachable");
    }
  });
});
