/**
 * Runs a program the tests need (redis-server, nginx) as a child process, stopped by its PID. A missing
 * program fails the test with the command that installs it: no test skips for want of one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { installCommand, TEST_PROGRAMS, type TestPackage } from "../../scripts/test-deps.js";

export function programPath(pkg: TestPackage): string {
  const path = TEST_PROGRAMS[pkg];
  if (!existsSync(path)) throw new Error(`${path} is missing; install it: ${installCommand([pkg])}`);
  return path;
}

export interface Program {
  child: ChildProcess;
  pid: number;
  /** What it wrote to stdout and stderr, for failure messages. */
  output(): string;
  /** Resolves once it has exited. */
  exited: Promise<void>;
}

/** Options of {@link runProgram}: its environment (default the test's), and what it reads on stdin. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  stdin?: string;
}

export function runProgram(
  pkg: TestPackage,
  args: string[],
  cwd?: string,
  options: RunOptions = {},
): Program {
  const child = spawn(programPath(pkg), args, {
    cwd,
    env: options.env ?? process.env,
    stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  child.stdin?.end(options.stdin);
  let output = "";
  const keep = (chunk: Buffer) => {
    // Bounded: a chatty program must not grow the test process.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (child.pid === undefined) throw new Error(`${pkg} did not start`);
  return { child, pid: child.pid, output: () => output, exited };
}

/** Sends `signal` to the program's PID and waits until it has exited (SIGKILL after `graceMs`). */
export async function stopProgram(program: Program, signal: NodeJS.Signals = "SIGTERM", graceMs = 5000) {
  if (program.child.exitCode !== null || program.child.signalCode !== null) return;
  process.kill(program.pid, signal);
  const timer = setTimeout(() => {
    if (program.child.exitCode === null && program.child.signalCode === null)
      process.kill(program.pid, "SIGKILL");
  }, graceMs);
  await program.exited;
  clearTimeout(timer);
}

/** Polls `ready` every 20 ms until it resolves true; fails after `timeoutMs` or when the program exits. */
export async function waitUntil(
  program: Program,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (program.child.exitCode !== null || program.child.signalCode !== null) {
      throw new Error(`${what} exited before it was ready:\n${program.output()}`);
    }
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms:\n${program.output()}`);
}
