/**
 * `--perf`: the exchange under Linux `perf record`, which samples each thread only while it is on a CPU.
 * V8's `--cpu-prof` samples the event loop by wall time, so the moments the kernel runs a thread-pool
 * thread instead are charged to whatever JavaScript was interrupted; `perf` keeps the threads apart and
 * also sees the kernel (futex wake-ups, writes). The service runs with `--perf-basic-prof` so perf can
 * name JIT-compiled JavaScript.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "./build.js";
import { runExchange } from "./exchange-runs.js";
import { startExchange, type Timing } from "./scenarios.js";
import type { ExchangeSetup } from "./setup.js";

function perfAvailable(): boolean {
  return spawnSync("perf", ["--version"], { encoding: "utf8" }).status === 0;
}

/** `perf report` flat output: the lines that start with a percentage, trimmed. */
function report(file: string, args: string[], limit: number): string[] {
  const result = spawnSync("perf", ["report", "-i", file, "--stdio", "-g", "none", ...args], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`perf report failed: ${result.stderr.trim().slice(0, 500)}`);
  return result.stdout
    .split("\n")
    .filter((line) => /^\s+\d+\.\d+%/.test(line))
    .map((line) => line.trim())
    .slice(0, limit);
}

/** Where a profile goes, and the node options that name JIT-compiled JavaScript for perf. */
export async function perfFile(name: string): Promise<{ file: string; nodeArgs: string[] }> {
  if (!perfAvailable()) {
    throw new Error("--perf needs Linux perf on the PATH (Debian: apt-get install linux-perf)");
  }
  const dir = join(ROOT, "bench/results/profiles");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.perf.data`);
  // V8 also writes a code log with --perf-basic-prof; it goes beside the profile, not into the checkout.
  return { file, nodeArgs: ["--perf-basic-prof", "--no-logfile-per-isolate", `--logfile=${file}.v8.log`] };
}

/** Starts `perf record` on `pid`; the function returned stops it (SIGINT, as perf expects) once it is written. */
export function recordPerf(pid: number, file: string): () => Promise<void> {
  const recorder = spawn("perf", ["record", "-F", "999", "-g", "-o", file, "-p", String(pid)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  recorder.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string | null>((resolve) =>
    recorder.once("exit", (code, signal) => resolve(code ?? signal)),
  );
  return async () => {
    recorder.kill("SIGINT");
    const code = await exited;
    // perf writes its file and then ends by the signal it was asked to stop with.
    if (code !== 0 && code !== "SIGINT")
      throw new Error(`perf record exited with ${code}: ${stderr.trim().slice(0, 500)}`);
  };
}

/** The threads, the event loop's top symbols, and the service's functions with their callees. */
export function printPerf(file: string, pid: number): void {
  const tid = String(pid);
  console.log(
    `\nthreads by on-CPU samples (thread ${tid} is the event loop; the others are mostly libuv's pool):`,
  );
  for (const line of report(file, ["--no-children", "--sort", "pid"], 8)) console.log(`  ${line}`);
  console.log("\nthe event loop, by self time (dso, symbol):");
  for (const line of report(file, ["--no-children", "--tid", tid, "--sort", "dso,sym"], 30)) {
    console.log(`  ${line}`);
  }
  console.log("\nthe event loop, the service's functions with their callees (children):");
  const bundled = report(file, ["--children", "--tid", tid, "--sort", "sym"], 400).filter((line) =>
    line.includes("ocient-sso.mjs"),
  );
  for (const line of bundled.slice(0, 30)) console.log(`  ${line}`);
  console.log(`\nmore: perf report -i ${file} --tid ${tid}`);
}

export async function runPerf(setup: ExchangeSetup, bodies: Buffer[], timing: Timing): Promise<void> {
  const { file, nodeArgs } = await perfFile("exchange");
  const { target } = await startExchange(setup.configFile, setup.url, { nodeArgs });
  // Recorded during the measured part of the load, after its warm-up.
  const load = await runExchange(target, setup, bodies, timing, () => recordPerf(target.pid, file));
  console.log(
    `\nexchange under perf: ${load.rps} req/s, p99 ${load.p99_ms} ms, ${load.errors} errors (${file})`,
  );
  printPerf(file, target.pid);
}
