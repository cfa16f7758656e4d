/**
 * deploy/nginx/ocient-sso.conf as shipped passes `nginx -t` (Debian's nginx), included in an `http {}`
 * block as its header says. The several-instances tests (test/cluster) run the same file in front of
 * their instances, with only its upstream servers and listen port changed (test/support/nginx.ts).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { NGINX_SAMPLE, nginxSample } from "../support/nginx.js";

const run = promisify(execFile);

describe("the nginx sample", () => {
  it("passes nginx -t as shipped", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ocient-sso-nginx-t-"));
    try {
      const conf = join(dir, "nginx.conf");
      await writeFile(
        conf,
        `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${NGINX_SAMPLE};\n}\n`,
      );
      const { stderr } = await run("nginx", ["-t", "-p", dir, "-e", join(dir, "error.log"), "-c", conf]);
      expect(stderr).toContain("syntax is ok");
      expect(stderr).toContain("test is successful");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is pointed at the tests' instances by its upstream servers and listen port alone", () => {
    const sample = nginxSample(18080, ["127.0.0.1:1001", "127.0.0.1:1002", "127.0.0.1:1003"]);
    expect(sample).toContain("    server 127.0.0.1:1003 max_fails=0;\n    keepalive 64;");
    expect(sample).toContain("listen 127.0.0.1:18080;");
    expect(sample).not.toContain("8081");
  });
});
