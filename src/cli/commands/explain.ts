/**
 * `ocient-sso explain`: what the service would decide for a token, without minting anything. It
 * verifies the token as the exchange does (fetching discovery and keys, or reading a jwks_file), then
 * prints the integration, every condition and binding with its outcome and the claim value it saw, the
 * identity, the grant decision, and the refusal a client would get. The token itself is never printed.
 */
import { readFile } from "node:fs/promises";
import type { ConditionOutcome } from "../../bindings/condition.js";
import { configPathFrom, loadConfigFile } from "../../config/load.js";
import { AccessPolicy } from "../../exchange/access-policy.js";
import { type Explanation, explainExchange } from "../../exchange/explain.js";
import { IntegrationRegistry } from "../../provider/integration.js";
import { CliError, type Command, helpOption, parse, required, UsageError } from "../command.js";
import { type Io, readAll } from "../io.js";

const usage = `Usage: ocient-sso explain --config FILE --database DB [--kind id|access] [--json] TOKEN

Shows what the service would decide for the token in TOKEN (a file; "-" reads stdin), without
minting: the integration its issuer picks, whether it verifies, each condition and binding with its
outcome and the claim value seen, the identity, whether DB is granted, and the refusal a client would
get. Nothing is minted, no rate limit is taken, a replay: once token is not used up. The token is
never printed; claim values are, so treat the output as you treat the token's claims.

Options:
  -c, --config FILE     the configuration (default: OCIENT_SSO_CONFIG)
  -d, --database DB     the database to ask for
      --kind id|access  what the token is (default id: an id_token, or any JWT such as a CI or
                        Kubernetes token)
      --json            print one JSON object
  -h, --help            show this help

Exit status: 0 the exchange would mint, 1 it would be refused, 2 wrong usage.
`;

const mark = (holds: boolean) => (holds ? "yes" : "NO ");

function conditionLines(outcomes: readonly ConditionOutcome[], indent: string): string[] {
  return outcomes.map((o) => {
    const seen = o.claim === "cel" ? "" : `  (seen: ${o.seen ?? "absent"})`;
    const note = o.note ? `\n${indent}      ${o.note}` : "";
    return `${indent}${mark(o.holds)} ${o.claim === "cel" ? "cel" : o.claim}: ${o.rule}${seen}${note}`;
  });
}

export function formatExplanation(e: Explanation): string {
  const lines = [`token:        ${e.kind}${e.iss ? `, iss ${e.iss}` : ""}${e.sub ? `, sub ${e.sub}` : ""}`];
  lines.push(`integration:  ${e.integration ?? "(none)"}`);
  lines.push(`verified:     ${e.verified ? "yes (signature, issuer, audience, times)" : "no"}`);
  const d = e.decision;
  if (d) {
    if (d.conditions.length > 0) {
      lines.push("conditions of the integration (all must hold):");
      lines.push(...conditionLines(d.conditions, "  "));
    }
    if (d.bindings.length > 0) {
      lines.push("bindings (the first that matches applies):");
      for (const b of d.bindings) {
        lines.push(`  ${b.matched ? "MATCH" : "no   "} ${b.name}`);
        lines.push(...conditionLines(b.outcomes, "    "));
      }
    }
  }
  if (e.identity)
    lines.push(`identity:     user ${e.identity.user}, groups [${e.identity.groups.join(", ")}]`);
  if (e.granted !== undefined)
    lines.push(`database:     ${e.database}: ${e.granted ? "granted" : "not granted"}`);
  if (e.mint) {
    const replay = e.mint.replay === "once" ? ", replay once: a real exchange uses the token up" : "";
    const binding = e.mint.binding ? `through binding ${e.mint.binding}, ` : "";
    const refresh =
      e.mint.refresh_lifetime_seconds === 0
        ? ", not refreshable"
        : `, refreshable until ${e.mint.refresh_lifetime_seconds} s after auth_time`;
    lines.push(
      `decision:     would mint, ${binding}lifetime ${e.mint.lifetime_seconds} s${refresh}${replay}`,
    );
  } else if (e.refusal) {
    const r = e.refusal;
    lines.push(
      `decision:     refused: ${r.status}, vendor_code ${r.vendor_code}${r.rule ? `, rule ${r.rule}` : ""}`,
    );
    lines.push(`  the client is told: ${r.reason}`);
    if (r.detail && r.detail !== r.reason) lines.push(`  because: ${r.detail}`);
  }
  return `${lines.join("\n")}\n`;
}

async function tokenFrom(source: string, io: Io): Promise<string> {
  const text =
    source === "-"
      ? await readAll(io.stdin)
      : await readFile(source, "utf8").catch((err: NodeJS.ErrnoException) => {
          throw new CliError(`cannot read ${source}: ${err.code ?? err.message}`);
        });
  const token = text.trim();
  if (!token) throw new CliError("the token is empty");
  return token;
}

async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse({
    args,
    options: {
      config: { type: "string", short: "c" },
      database: { type: "string", short: "d" },
      kind: { type: "string" },
      json: { type: "boolean" },
      ...helpOption,
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  const file = configPathFrom(values.config, io.env);
  if (!file) throw new UsageError("--config is required");
  const database = required(values.database, "--database");
  if (positionals.length !== 1) throw new UsageError("expected one TOKEN (a file, or - for stdin)");
  const kind = values.kind ?? "id";
  if (kind !== "id" && kind !== "access") throw new UsageError("--kind must be id or access");
  const token = await tokenFrom(positionals[0] ?? "-", io);
  const config = await loadConfigFile(file, io.env);
  const integrations = new IntegrationRegistry(config.integrations, { now: Date.now });
  const ctx = {
    integrations,
    policy: new AccessPolicy(config.databases, integrations),
    maxTokenBytes: config.server.max_token_bytes,
  };
  const request = kind === "id" ? { database, id_token: token } : { database, access_token: token };
  const explanation = await explainExchange(ctx, config.token, request, Date.now());
  io.stdout(values.json ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation));
  return explanation.mint ? 0 : 1;
}

export const explain: Command = { name: "explain", usage, run };
