/** Bench targets run in child processes, so the load generator never shares their event loop. */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

export interface Target {
  name: string;
  process: ChildProcess;
  pid: number;
  /** The target's first IPC message (its `ready` URL and anything else it announces). */
  ready: Record<string, unknown>;
  /** Last lines of its stderr, for error messages. */
  stderr(): string;
}

export interface SpawnOptions {
  nodeArgs?: string[];
  timeoutMs?: number;
  /**
   * For a program that announces nothing (the product itself): ready at its first 200 from this URL,
   * and `ready` is `{ ready: baseUrl }`.
   */
  poll?: { url: string; baseUrl: string };
  /** Added to the target's environment; an undefined value removes the variable. */
  env?: Record<string, string | undefined>;
}

const STDERR_KEEP = 4096;

/** Starts `node [nodeArgs] script args` and resolves with its first IPC message. */
export function spawnTarget(
  name: string,
  script: string,
  args: string[],
  opts: SpawnOptions = {},
): { started: Promise<Target>; process: ChildProcess } {
  // Logs go to /dev/null: written as in production, read by nobody, costing the bench nothing.
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, ...args], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    env: withEnv({ ...process.env, NODE_ENV: "production" }, opts.env ?? {}),
  });
  let tail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_KEEP);
  });
  const started = new Promise<Target>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${opts.timeoutMs ?? 20_000} ms\n${tail}`));
    }, opts.timeoutMs ?? 20_000);
    const ready = (message: Record<string, unknown>) => {
      clearTimeout(timer);
      resolve({ name, process: child, pid: child.pid as number, ready: message, stderr: () => tail });
    };
    if (opts.poll) {
      const { url, baseUrl } = opts.poll;
      firstOk(url, performance.now(), opts.timeoutMs ?? 20_000).then(() => ready({ ready: baseUrl }), reject);
    } else {
      child.once("message", (message) => ready(message as Record<string, unknown>));
    }
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})\n${tail}`));
    });
  });
  return { started, process: child };
}

function withEnv(base: NodeJS.ProcessEnv, changes: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export function stopTarget(child: ChildProcess, graceMs = 5000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}

export interface Memory {
  /** Resident set size now, MB. */
  rss_mb: number;
  /** Peak resident set size, MB. */
  peak_rss_mb: number;
}

/** VmRSS and VmHWM of a process from /proc (Linux); undefined elsewhere. */
export function memoryOf(pid: number): Memory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss_mb: round(kb("VmRSS") / 1024, 1), peak_rss_mb: round(kb("VmHWM") / 1024, 1) };
}

/** The child processes of `pid` (Linux /proc); none when the file is missing. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** RSS of a process and all its descendants (a cluster primary and its workers), MB. */
export function treeMemoryOf(pid: number): Memory | undefined {
  const own = memoryOf(pid);
  if (!own) return undefined;
  const children = childrenOf(pid);
  return children.reduce<Memory>((sum, child) => {
    const m = treeMemoryOf(child);
    return m
      ? { rss_mb: round(sum.rss_mb + m.rss_mb, 1), peak_rss_mb: round(sum.peak_rss_mb + m.peak_rss_mb, 1) }
      : sum;
  }, own);
}

let ticks: number | undefined;

/** Clock ticks per second of /proc's utime and stime (`getconf CLK_TCK`; 100 when getconf is missing). */
export function clockTicks(): number {
  if (ticks === undefined) {
    const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const n = Number(out.stdout?.trim());
    ticks = out.status === 0 && Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticks;
}

/**
 * User + system CPU seconds of `pid` (all its threads: the event loop and libuv's pool) and of its live
 * descendants (a cluster primary's workers), from /proc (Linux); 0 when the process is gone.
 */
export function treeCpuSeconds(pid: number): number {
  let own = 0;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    own = (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return 0;
  }
  const children = childrenOf(pid);
  return children.reduce((sum, child) => sum + treeCpuSeconds(child), own);
}

/** Microseconds of CPU per request, one decimal; null without requests. */
export function microsPer(cpuSeconds: number, requests: number): number | null {
  return requests > 0 ? round((cpuSeconds * 1e6) / requests, 1) : null;
}

/** A port free on loopback right now, for a target that must be polled before it can announce one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` every `everyMs` until it answers 200; resolves with the milliseconds since `since`. */
export async function firstOk(url: string, since: number, limitMs: number, everyMs = 2): Promise<number> {
  const deadline = since + limitMs;
  while (performance.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`${url} did not answer 200 within ${limitMs} ms`);
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
