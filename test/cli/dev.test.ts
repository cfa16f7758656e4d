import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCli } from "../support/spawn-cli.js";

let cwd: string;

beforeAll(async () => {
  // Development mode writes ./data/dev-signing-keys.json: keep it out of the repository.
  cwd = await mkdtemp(join(tmpdir(), "ocient-sso-dev-"));
});
afterAll(async () => {
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

describe("ocient-sso dev (npm start)", () => {
  it("prints a warning, a demo token and a curl line that works; SIGTERM exits 0", async () => {
    const cli = startCli(["dev", "--port", "0"], { cwd });
    try {
      const [, url, idToken, database] = (await cli.waitFor(
        /^curl -X POST (http:\/\/127\.0\.0\.1:\d+)\/v1\/sso_token -H "Content-Type: application\/json" -d '\{"id_token": "([\w.-]+)", "database": "(\w+)"\}'$/m,
      )) as unknown as [string, string, string, string];
      expect(cli.stdout).toContain("WARNING: DEVELOPMENT MODE. NOT FOR PRODUCTION.");
      expect(cli.stdout).toContain(`npm run ocient-sso -- exchange --url ${url} --database retail_analytics`);
      expect(cli.stdout).toContain(`import { createSsoClient } from "@ocient-sso/client";`);
      expect(database).toBe("retail_analytics");
      expect(decodeJwt(idToken)).toMatchObject({ sub: "alice" });

      const response = await fetch(`${url}/v1/sso_token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id_token: idToken, database }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { id_token: string };
      expect(decodeJwt(body.id_token)).toMatchObject({
        iss: url,
        sub: "alice",
        database: "retail_analytics",
      });
      expect(existsSync(join(cwd, "data/dev-signing-keys.json"))).toBe(true);

      cli.child.kill("SIGTERM");
      const result = await cli.exited;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("development mode: shutting down");
      expect(result.stdout).not.toContain(body.id_token);
    } finally {
      cli.child.kill("SIGKILL");
    }
  }, 45_000);

  it("fails with a clear message when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const cli = startCli(["dev", "--port", String(port)], { cwd });
      const result = await cli.exited;
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain("--port");
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 30_000);
});
