/**
 * `--cel`: what a binding with CEL conditions costs per exchange, beside the plain exchange. The same
 * service, the same tokens; one configuration maps them by `user_claim`/`groups_claim` as before, the
 * other through a binding with typed conditions and a CEL condition (a glob, a list claim, a macro).
 * Rounds alternate the two, each on a fresh server, with the server's CPU time per request.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type HaResult, runSingleWithCpu } from "./ha.js";
import type { Timing } from "./scenarios.js";
import { AUDIENCE, type ExchangeSetup, GROUP } from "./setup.js";

/** The binding measured: what a CI or Kubernetes recipe typically holds. */
export const CEL_BINDING = {
  name: "bench-cel",
  when: { sub: { glob: "user*" }, groups: GROUP, aud: AUDIENCE },
  cel: `claims.sub.startsWith('user') && claims.groups.exists(g, g == '${GROUP}') && claims.exp > claims.iat`,
  user_claim: "sub",
};

export async function celConfigFile(setup: ExchangeSetup): Promise<string> {
  const config = JSON.parse(await readFile(setup.configFile, "utf8"));
  config.integrations[0].bindings = [CEL_BINDING];
  const file = join(setup.dir, "config-cel.json");
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

export interface CelPair {
  plain: HaResult;
  cel: HaResult;
}

export async function runCelPairs(
  setup: ExchangeSetup,
  bodies: Buffer[],
  timing: Timing,
  rounds: number,
): Promise<CelPair[]> {
  const withCel = { ...setup, configFile: await celConfigFile(setup) };
  const pairs: CelPair[] = [];
  for (let i = 0; i < rounds; i++) {
    const plain = await runSingleWithCpu(setup, bodies, timing);
    const cel = await runSingleWithCpu(withCel, bodies, timing);
    pairs.push({ plain, cel });
  }
  return pairs;
}
