/**
 * `ocient-sso keys generate|rotate|list`: the signing-key file (a private JWK Set, mode 0600).
 * Prints key ids and dates only, never key material.
 */
import { access, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { loadKeySettings } from "../../config/load.js";
import { type KeySettings, SIGNING_ALGORITHMS } from "../../config/schema.js";
import {
  generateStoredKey,
  keySchedule,
  readKeyFile,
  rotateKeys,
  type StoredKey,
  secondsOf,
  writeKeyFile,
} from "../../keys/key-file.js";
import { CliError, type Command, helpOption, parse, UsageError, wholeNumber } from "../command.js";
import type { Io } from "../io.js";
import { formatTable } from "../table.js";

/** Added to a token's longest life before a rotated-out key stops being published. */
const RETIRE_MARGIN_SECONDS = 300;
const DEFAULT_TTL_SECONDS = 3600;
const DEFAULT_LEAD_SECONDS = 300;

const usage = `Usage: ocient-sso keys generate --file FILE [--alg ES256] [--force]
       ocient-sso keys rotate (--file FILE | --config CONFIG) [--alg ALG] [--lead SECONDS]
                              [--retire-after SECONDS]
       ocient-sso keys list (--file FILE | --config CONFIG)

Manages the private JWK Set the service signs with (written with mode 0600).

  generate      create FILE with one new key; refuses to overwrite it without --force
  rotate        add a new signing key, published at once and signing --lead seconds later
                (default: token.publish_lead_seconds of --config, else 300), so every
                instance and every verifier caching the key set knows it first; keys that
                signed before sign until then and stay published for --retire-after seconds
                more (default: token.ttl_seconds of --config, else 3600, plus 300), so tokens
                they signed keep verifying until they expire. Running services notice the
                changed file by themselves within a few seconds
  list          show each key's kid, algorithm, creation, when it starts and stops signing,
                when it is retired (no longer published), and its state now: staged
                (published, signs later), signing, published (signed before; its tokens
                still verify) or retired

Options:
  -f, --file FILE            the key file (default with --config: token.keys_file)
  -c, --config CONFIG        read token.keys_file, algorithm, ttl_seconds and publish_lead_seconds
                             from this configuration, and nothing else of it
      --alg ALG              ${SIGNING_ALGORITHMS.join(", ")} (default: token.algorithm, else ES256)
      --lead SECONDS         rotate: how long the new key is published before it signs
      --retire-after SECONDS how long rotated-out keys stay published
      --force                generate: overwrite an existing FILE
  -h, --help                 show this help
`;

const options = {
  file: { type: "string", short: "f" },
  config: { type: "string", short: "c" },
  alg: { type: "string" },
  "retire-after": { type: "string" },
  lead: { type: "string" },
  force: { type: "boolean" },
} as const;

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

function algorithm(value: string | undefined, config: KeySettings | undefined): string {
  const alg = value ?? config?.algorithm ?? "ES256";
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new UsageError(`--alg must be one of ${SIGNING_ALGORITHMS.join(", ")}`);
  }
  return alg;
}

const at = (seconds: number | undefined) => (seconds === undefined ? "-" : iso(seconds));

function keyRows(keys: StoredKey[]): string[][] {
  return keySchedule(keys, secondsOf(Date.now)).map((k) => [
    k.key.kid,
    k.key.alg,
    iso(k.key.created_at),
    iso(k.signsFrom),
    at(k.signsUntil),
    at(k.retireAt),
    k.state,
  ]);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function generate(file: string, alg: string, force: boolean, io: Io): Promise<number> {
  if (!force && (await exists(file))) {
    throw new CliError(
      `${file} already exists; pass --force to replace it (tokens it signed stop verifying)`,
    );
  }
  const key = await generateStoredKey(alg);
  // Asked for by name: unlike serve, this command may create the directory.
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeKeyFile(file, { keys: [key] });
  io.stdout(`created ${file} (mode 0600)\nkid: ${key.kid}\nalg: ${key.alg}\n`);
  return 0;
}

async function rotate(file: string, alg: string, retireAfter: number, lead: number, io: Io): Promise<number> {
  const key = await rotateKeys(file, alg, retireAfter, lead);
  const content = await readKeyFile(file);
  io.stdout(
    `new signing key: ${key.kid} (${key.alg}), published now, signing from ${iso(key.signs_from ?? key.created_at)}\n`,
  );
  const others = content?.keys.filter((k) => k.kid !== key.kid) ?? [];
  if (others.length > 0) {
    io.stdout("still published until:\n");
    for (const k of others)
      io.stdout(`  ${k.kid}  ${k.retire_at === undefined ? "(active)" : iso(k.retire_at)}\n`);
  }
  io.stdout("running services pick the changed file up by themselves within a few seconds\n");
  return 0;
}

async function list(file: string, io: Io): Promise<number> {
  const content = await readKeyFile(file);
  if (!content) throw new CliError(`${file} does not exist`);
  io.stdout(
    formatTable(
      ["kid", "alg", "created", "signs from", "signs until", "retired at", "state"],
      keyRows(content.keys),
    ),
  );
  return 0;
}

async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse({
    args,
    options: { ...options, ...helpOption },
    allowPositionals: true,
  });
  const [action, ...rest] = positionals;
  if (values.help || action === "help") {
    io.stdout(usage);
    return 0;
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  if (action !== "generate" && action !== "rotate" && action !== "list") {
    throw new UsageError(action ? `unknown keys command "${action}"` : "expected generate, rotate or list");
  }
  if (action !== "rotate" && values["retire-after"] !== undefined) {
    throw new UsageError("--retire-after applies to rotate only");
  }
  if (action !== "rotate" && values.lead !== undefined) throw new UsageError("--lead applies to rotate only");
  if (action !== "generate" && values.force) throw new UsageError("--force applies to generate only");
  const config = values.config ? await loadKeySettings(values.config, io.env) : undefined;
  const file = values.file ?? config?.keys_file;
  if (!file) throw new UsageError("--file FILE (or --config CONFIG) is required");

  if (action === "list") {
    if (values.alg !== undefined) throw new UsageError("--alg applies to generate and rotate only");
    return list(file, io);
  }
  const alg = algorithm(values.alg, config);
  if (action === "generate") return generate(file, alg, values.force ?? false, io);
  const retireAfter =
    wholeNumber(values["retire-after"], "--retire-after") ??
    (config?.ttl_seconds ?? DEFAULT_TTL_SECONDS) + RETIRE_MARGIN_SECONDS;
  const lead = wholeNumber(values.lead, "--lead") ?? config?.publish_lead_seconds ?? DEFAULT_LEAD_SECONDS;
  return rotate(file, alg, retireAfter, lead, io);
}

export const keys: Command = {
  name: "keys",
  usage,
  run,
};
