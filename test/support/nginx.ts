/**
 * A real nginx as the load balancer in front of several instances: round robin over loopback
 * upstreams, the client address appended to X-Forwarded-For, every file (pid, logs, temp) in a
 * temporary directory, in the foreground as the current user, stopped by its PID.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { runProgram, stopProgram, waitUntil } from "./programs.js";

export interface Nginx {
  /** http://127.0.0.1:PORT */
  url: string;
  pid: number;
  /** nginx's access log (one line per proxied request, with the upstream that answered). */
  accessLog(): Promise<string[]>;
  close(): Promise<void>;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The sample shipped for operators: its upstream `server` lines and its `listen` line are what they change. */
export const NGINX_SAMPLE = join(import.meta.dirname, "../../deploy/nginx/ocient-sso.conf");

/** The shipped sample with these upstreams (`host:port` of each instance) and this port, else unchanged. */
export function nginxSample(port: number, upstreams: readonly string[]): string {
  const sample = readFileSync(NGINX_SAMPLE, "utf8");
  const servers = /^( {4}server \S+ max_fails=0;\n)+/m;
  const listen = /^( {4}listen )127\.0\.0\.1:8080;$/m;
  if (!servers.test(sample) || !listen.test(sample))
    throw new Error(
      `${NGINX_SAMPLE}: no upstream server lines or listen line to point at the test's instances`,
    );
  return sample
    .replace(servers, upstreams.map((u) => `    server ${u} max_fails=0;\n`).join(""))
    .replace(listen, `$1127.0.0.1:${port};`);
}

/**
 * nginx's main file for a test: every file (pid, logs, temporary) in `dir`, an access log naming the
 * upstream that answered, and the shipped sample included as it is.
 */
function nginxConfig(dir: string): string {
  // Only root may (and, for its workers to reach the temporary directory, must) name a user.
  const user = process.getuid?.() === 0 ? `user ${userInfo().username};\n` : "";
  return `${user}daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  log_format upstream '$remote_addr "$request" $status $upstream_addr';
  access_log ${dir}/access.log upstream;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/ocient-sso.conf;
}
`;
}

export async function startNginx(upstreams: readonly string[]): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-nginx-"));
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  await writeFile(join(dir, "ocient-sso.conf"), nginxSample(port, upstreams));
  await writeFile(conf, nginxConfig(dir));
  // -e: nginx's own early errors go to the temporary directory too, not to /var/log/nginx.
  const program = runProgram("nginx", ["-p", dir, "-e", join(dir, "error.log"), "-c", conf], dir);
  try {
    await waitUntil(program, `nginx on port ${port}`, () => listening(port));
  } catch (err) {
    await stopProgram(program, "SIGKILL");
    const log = await readFile(join(dir, "error.log"), "utf8").catch(() => "");
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: program.pid,
    async accessLog() {
      const text = await readFile(join(dir, "access.log"), "utf8").catch(() => "");
      return text.split("\n").filter((l) => l !== "");
    },
    async close() {
      // SIGQUIT: graceful, the master waits for its worker.
      await stopProgram(program, "SIGQUIT");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
