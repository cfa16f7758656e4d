/** Reads a V8 `.cpuprofile` (node --cpu-prof) into self-time tables by function and by module. */
import { readFile } from "node:fs/promises";
import { round } from "./child.js";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  /** Share of all samples, idle included. */
  pct: number;
  /** Share of the samples where the process was doing something (idle excluded). */
  busy_pct: number;
}

export interface ProfileSummary {
  file: string;
  sampled_ms: number;
  busy_ms: number;
  interval_us: number;
  functions: SelfTime[];
  modules: SelfTime[];
  /** Modules again, with node internals and native code charged to the nearest package or src file calling them. */
  callers: SelfTime[];
}

const IDLE = "(idle)";

/** The package under node_modules, the project file (src/…, generated/…), node internals, or V8's own entries. */
export function moduleOf(frame: CallFrame, root: string): string {
  const { url, functionName } = frame;
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const path = url.startsWith("file://") ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const parts = path.slice(nm + 13).split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  const relative = path.startsWith(root) ? path.slice(root.length) : path;
  return relative.startsWith("dist/bench/") ? relative.slice("dist/bench/".length) : relative;
}

/** Where a function is: its module, or for node internals the internal file. */
function whereOf(frame: CallFrame, module: string): string {
  const at = frame.url ? `:${frame.lineNumber + 1}` : "";
  return module === "node internals" ? `${frame.url}${at}` : `${module}${at}`;
}

const isApplication = (module: string) => module !== "node internals" && !module.startsWith("(");

export async function summarizeProfile(file: string, root: string, top = 25, topModules = 15) {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length); // µs
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const byCaller = new Map<string, number>();
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const caller = (node: ProfileNode, module: string): string => {
    let at: ProfileNode | undefined = node;
    for (let depth = 0; at && depth < 200; depth++, at = parent.get(at.id)) {
      const m = moduleOf(at.callFrame, root);
      if (isApplication(m)) return m;
    }
    return module;
  };
  let idle = 0;
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const ms = (hits * interval) / 1000;
    total += ms;
    const { functionName } = node.callFrame;
    if (functionName === IDLE) idle += ms;
    const module = moduleOf(node.callFrame, root);
    const name = `${functionName || "(anonymous)"} ${whereOf(node.callFrame, module)}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    byModule.set(module, (byModule.get(module) ?? 0) + ms);
    const charged =
      isApplication(module) || module === "(garbage collector)" || functionName === IDLE
        ? module
        : caller(node, module);
    byCaller.set(charged, (byCaller.get(charged) ?? 0) + ms);
  }
  const busy = total - idle;
  const rank = (map: Map<string, number>, n: number): SelfTime[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({
        name,
        ms: round(ms, 1),
        pct: round((100 * ms) / total, 1),
        busy_pct: name.startsWith(IDLE) ? 0 : round((100 * ms) / busy, 1),
      }));
  return {
    file,
    sampled_ms: round(total, 0),
    busy_ms: round(busy, 0),
    interval_us: round(interval, 1),
    functions: rank(byFunction, top),
    modules: rank(byModule, topModules),
    callers: rank(byCaller, topModules),
  } satisfies ProfileSummary;
}

export function printSelfTimes(title: string, rows: SelfTime[]): void {
  console.log(`\n${title}`);
  console.log(`${"self ms".padStart(9)} ${"% all".padStart(6)} ${"% busy".padStart(6)}  name`);
  for (const row of rows) {
    console.log(
      `${row.ms.toFixed(0).padStart(9)} ${row.pct.toFixed(1).padStart(6)} ${row.busy_pct.toFixed(1).padStart(6)}  ${row.name}`,
    );
  }
}
