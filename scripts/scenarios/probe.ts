/**
 * The running server of a scenario: started from the repository it runs in (its generated/ as the scenario
 * regenerated it), in development mode (the embedded provider, a demo database and a demo id_token), on
 * free loopback ports. Reads a JSON list of requests on stdin, answers one JSON object on stdout: the
 * served document (GET /openapi.json) and each answer's status and body. `$ID_TOKEN` in a request body
 * stands for a fresh demo id_token; every string under a key naming a token is replaced by its length, so
 * no token reaches the output.
 *
 *   tsx scripts/scenarios/probe.ts < requests.json
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startDev } from "../../src/dev/start-dev.js";
import { createLogger } from "../../src/server/logger.js";

export interface ProbeRequest {
  readonly method: string;
  readonly path: string;
  /** JSON; `"$ID_TOKEN"` anywhere in it is a fresh demo id_token. */
  readonly body?: unknown;
}

export interface ProbeAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** `id_token`, `access_token`, `refresh_token`: never printed. */
const TOKEN_KEY = /(^|_)token$/;

function redact(value: unknown, key = ""): unknown {
  if (typeof value === "string" && TOKEN_KEY.test(key)) return `<${value.length} characters>`;
  if (Array.isArray(value)) return value.map((item) => redact(item, key));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

async function main(): Promise<void> {
  const requests = JSON.parse(readFileSync(0, "utf8")) as ProbeRequest[];
  const dir = mkdtempSync(path.join(tmpdir(), "ocient-sso-probe-"));
  const env = await startDev({
    port: 0,
    providerPort: 0,
    keysFile: path.join(dir, "keys.json"),
    logger: createLogger("silent"),
  });
  try {
    const document = await (await fetch(`${env.url}/openapi.json`)).json();
    const answers: ProbeAnswer[] = [];
    for (const request of requests) {
      const { id_token: idToken } = await env.provider.issueTokens(env.demo.account);
      const body =
        request.body === undefined
          ? undefined
          : JSON.stringify(request.body).replaceAll("$ID_TOKEN", idToken);
      const response = await fetch(`${env.url}${request.path}`, {
        method: request.method,
        redirect: "manual",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body,
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON (a redirect's empty body): kept as text.
      }
      answers.push({ status: response.status, body: redact(parsed) });
    }
    process.stdout.write(`${JSON.stringify({ document, answers })}\n`);
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`✘ probe: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
