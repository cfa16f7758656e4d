/**
 * A real redis-server for one test file: loopback, a free port, no persistence unless asked (then an
 * append-only file in a temporary directory, fsynced on every write, so a restart keeps what was
 * acknowledged). Stopped by its PID; `kill`, `pause` and `restart` make the faults of the fault tests.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { type Program, runProgram, stopProgram, waitUntil } from "./programs.js";

export interface RedisServerOptions {
  /** Keep data across `restart` in an append-only file (default false: nothing on disk). */
  appendonly?: boolean;
  /** More redis-server settings, e.g. `["--requirepass", pw]`. */
  args?: string[];
  /** The password `ping` authenticates with (the default user's). */
  password?: string;
}

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The PID of the running redis-server (changes on restart). */
  readonly pid: number;
  /** SIGKILL: gone at once, connections reset, nothing flushed but what the append-only file holds. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory; with `appendonly`, with the data it had. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that accepts connections and never answers. */
  pause(): void;
  resume(): void;
  /** Stops it (SIGTERM) and removes its directory. */
  close(): Promise<void>;
}

/** True when something on `port` answers PING with PONG (after AUTH with `password`). */
export function ping(port: number, timeoutMs = 500, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write(`${password ? `AUTH ${password}\r\n` : ""}PING\r\n`));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (password) reply = reply.replace(/^\+OK\r\n/, "");
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-redis-"));
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--daemonize",
    "no",
    "--logfile",
    "",
    "--loglevel",
    "warning",
    ...(options.appendonly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
    ...(options.args ?? []),
  ];
  let program: Program | undefined;
  const start = async () => {
    program = runProgram("redis-server", args, dir);
    await waitUntil(program, `redis-server on port ${port}`, () => ping(port, 500, options.password));
  };
  const running = (): Program => {
    if (!program) throw new Error("redis-server is not running");
    return program;
  };
  const kill = async () => {
    if (program) await stopProgram(program, "SIGKILL");
  };
  try {
    await start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return running().pid;
    },
    kill,
    start,
    async restart() {
      await kill();
      await start();
    },
    pause() {
      process.kill(running().pid, "SIGSTOP");
    },
    resume() {
      process.kill(running().pid, "SIGCONT");
    },
    async close() {
      if (program) {
        // A paused server would never see SIGTERM.
        if (program.child.exitCode === null && program.child.signalCode === null) {
          process.kill(program.pid, "SIGCONT");
        }
        await stopProgram(program, "SIGTERM");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
