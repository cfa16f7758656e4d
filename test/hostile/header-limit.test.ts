/**
 * Node hands the application only the first `maxHeadersCount` header lines. Behind a trusted proxy, which
 * appends its X-Forwarded-For line last, a client that pads its request would push that line out and have
 * its own forged one used for the rate limit and the audit record. A request whose header lines reach
 * the limit is refused (431) rather than answered from a cut list.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { rememberToken } from "../support/log-collector.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    server: { trust_proxy: true, rate_limit: { requests_per_second: 1, burst: 50 } },
  });
});
afterAll(async () => {
  await h?.close();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends one request over a raw socket, header lines exactly as given, and reads the answer to its end. */
function rawRequest(headerLines: string[], body: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(":");
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body: rest.join("\r\n\r\n") });
    });
    socket.write(
      [
        "POST /v1/sso_token HTTP/1.1",
        `Host: ${hostname}:${port}`,
        "Content-Type: application/json",
        `Content-Length: ${Buffer.byteLength(body)}`,
        "Connection: close",
        ...headerLines,
        "",
        body,
      ].join("\r\n"),
    );
  });
}

const padding = (n: number) => Array.from({ length: n }, (_, i) => `X-Pad-${i}: ${i}`);
const FORGED = "198.51.100.66";
const PROXY_SAW = "203.0.113.9";

const auditLines = () =>
  h.logs.map((l) => JSON.parse(l)).filter((l: Record<string, unknown>) => l.event === "exchange");

describe("header lines past Node's limit", () => {
  it("a request padded so the proxy's X-Forwarded-For would be cut is refused with 431, and the forged hop is used nowhere", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    rememberToken(id_token);
    const body = JSON.stringify({ id_token, database: "retail_analytics" });
    const before = h.logs.length;
    const answer = await rawRequest(
      [`X-Forwarded-For: ${FORGED}`, ...padding(120), `X-Forwarded-For: ${PROXY_SAW}`],
      body,
    );
    expect(answer.status, answer.body).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({
      status: {
        reason: expect.stringMatching(/header/),
        sql_state: "08004",
        vendor_code: -1254,
      },
    });
    expect(answer.body).not.toContain(id_token);
    const lines = h.logs.slice(before).join("\n");
    expect(lines).not.toContain(FORGED);
    expect(lines).not.toMatch(/"outcome":"minted"/);
  });

  it("headers past Node's byte limit get the error table's 431 too, not a bare status line", async () => {
    const answer = await rawRequest([`X-Big: ${"a".repeat(20_000)}`], "{}");
    expect(answer.status, answer.body).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({
      status: { reason: expect.stringMatching(/header/), sql_state: "08004", vendor_code: -1254 },
    });
  });

  it("one line short of the limit is answered, and the client is the hop the proxy appended", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    rememberToken(id_token);
    const body = JSON.stringify({ id_token, database: "retail_analytics" });
    // 5 lines written by rawRequest, 2 X-Forwarded-For lines: 99 in all.
    const answer = await rawRequest(
      [`X-Forwarded-For: ${FORGED}`, ...padding(92), `X-Forwarded-For: ${PROXY_SAW}`],
      body,
    );
    expect(answer.status, answer.body).toBe(200);
    rememberToken(JSON.parse(answer.body).id_token);
    expect(auditLines().at(-1)).toMatchObject({ outcome: "minted", client: PROXY_SAW });
  });
});
