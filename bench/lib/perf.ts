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

export async function runPerf(setup: ExchangeSetup, bodies: Buffer[], timing: Timing): Promise<void> {
  if (!perfAvailable()) {
    throw new Error("--perf needs Linux perf on the PATH (Debian: apt-get install linux-perf)");
  }
  const dir = join(ROOT, "bench/results/profiles");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `exchange-${new Date().toISOString().replace(/[:.]/g, "-")}.perf.data`);
  // V8 also writes a code log with --perf-basic-prof; it goes beside the profile, not into the checkout.
  const nodeArgs = ["--perf-basic-prof", "--no-logfile-per-isolate", `--logfile=${file}.v8.log`];
  const { target } = await startExchange(setup.configFile, setup.url, { nodeArgs });
  const pid = String(target.pid);
  // Recorded during the measured part of the load, after its warm-up.
  const loading = runExchange(target, setup, bodies, timing);
  await new Promise((resolve) => setTimeout(resolve, (timing.warmupSeconds + 0.5) * 1000));
  const seconds = String(Math.max(1, timing.durationSeconds - 1));
  const recorder = spawn(
    "perf",
    ["record", "-F", "999", "-g", "-o", file, "-p", pid, "--", "sleep", seconds],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  recorder.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [load, code] = await Promise.all([
    loading,
    new Promise<number | null>((resolve) => recorder.once("exit", resolve)),
  ]);
  if (code !== 0) throw new Error(`perf record exited with ${code}: ${stderr.trim().slice(0, 500)}`);

  console.log(
    `\nexchange under perf: ${load.rps} req/s, p99 ${load.p99_ms} ms, ${load.errors} errors (${file})`,
  );
  console.log(
    `\nthreads by on-CPU samples (thread ${pid} is the event loop; the others are mostly libuv's pool):`,
  );
  for (const line of report(file, ["--no-children", "--sort", "pid"], 8)) console.log(`  ${line}`);
  console.log("\nthe event loop, by self time (dso, symbol):");
  for (const line of report(file, ["--no-children", "--tid", pid, "--sort", "dso,sym"], 30)) {
    console.log(`  ${line}`);
  }
  console.log("\nthe event loop, the service's functions with their callees (children):");
  const bundled = report(file, ["--children", "--tid", pid, "--sort", "sym"], 400).filter((line) =>
    line.includes("ocient-sso.mjs"),
  );
  for (const line of bundled.slice(0, 30)) console.log(`  ${line}`);
  console.log(`\nmore: perf report -i ${file} --tid ${pid}`);
}
