/**
 * The suite-wide log scan can fail: planted leaks (whole, cut short, inside other text, a secret, in
 * another process's file) are found, clean lines are not flagged, and the collector really writes to
 * the run directory of this `vitest run`.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectLine, rememberToken, tokenFragments, writesRunDir } from "../support/log-collector.js";
import {
  findLeaks,
  RUN_DIR_ENV,
  RunDirWriter,
  SHORTEST_DETECTED_LEAK,
  scanRunDir,
} from "../support/log-scan.js";

const b64 = (n: number) => randomBytes(n).toString("base64url");
const token = `${b64(20)}.${b64(180)}.${b64(256)}`;
const [, payload = "", signature = ""] = token.split(".");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-scan-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const scan = (lines: string[], fragments = tokenFragments(token)) =>
  findLeaks(new Map([["lines-test.ndjson", lines]]), fragments);

describe("the log scan", () => {
  it("finds nothing in clean lines", () => {
    expect(
      scan([
        JSON.stringify({ msg: "request", request_id: crypto.randomUUID(), jti: b64(16), status: 200 }),
        JSON.stringify({ msg: "request", reason: "the id_token has expired", vendor_code: -1228 }),
      ]),
    ).toEqual([]);
  });

  it.each([
    ["the whole token", () => `{"msg":"debug","token":"${token}"}`],
    ["the payload alone", () => `{"claims":"${payload}"}`],
    ["the signature alone", () => `sig=${signature}`],
    [
      "a cut-short piece of the signature",
      () => `"x":"${signature.slice(100, 100 + SHORTEST_DETECTED_LEAK)}"`,
    ],
    ["the payload inside base64 text", () => `AAAA${payload.slice(3, 80)}BBBB`],
  ])("finds a planted leak: %s", (_name, line) => {
    const leaks = scan([JSON.stringify({ msg: "ok" }), line()]);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ file: "lines-test.ndjson", lineNumber: 2 });
    // The report never repeats the fragment itself.
    expect(leaks[0]?.fragment.length).toBeLessThan(10);
  });

  it("finds a secret, and a leak in another process's file of the run directory", async () => {
    const secret = b64(16);
    const a = new RunDirWriter(dir, "process-a");
    const b = new RunDirWriter(dir, "process-b");
    a.fragment(secret);
    a.line(JSON.stringify({ msg: "fine" }));
    b.line(JSON.stringify({ msg: "introspection", client_secret: secret }));
    const result = scanRunDir(dir);
    expect(result).toMatchObject({ lines: 2, fragments: 1 });
    expect(result.leaks).toEqual([
      { file: "lines-process-b.ndjson", lineNumber: 1, fragment: expect.any(String) },
    ]);
  });

  it("ignores low-entropy windows that would match by accident", () => {
    expect(scan(["x".repeat(64)], ["x".repeat(64)])).toEqual([]);
  });

  it("is fed by this very run: the collector writes to the run directory", async () => {
    const runDir = process.env[RUN_DIR_ENV];
    expect(writesRunDir()).toBe(true);
    expect(runDir).toEqual(expect.any(String));
    rememberToken(token);
    collectLine(JSON.stringify({ msg: "clean line of log-scan.test.ts" }));
    const files = await readdir(runDir as string);
    const texts = await Promise.all(files.map((f) => readFile(join(runDir as string, f), "utf8")));
    expect(texts.some((t) => t.includes(signature))).toBe(true);
    expect(texts.some((t) => t.includes("clean line of log-scan.test.ts"))).toBe(true);
  });
});
