/**
 * `ocient-sso token`: prints a valid token of a profile for scripts, `OCIENT_TOKEN=$(ocient-sso token)`,
 * refreshed through token_refresh once past half its life (see src/cli/sessions/fresh-token.ts).
 */
import { type Command, helpOption, parse } from "../command.js";
import type { Io } from "../io.js";
import { freshToken } from "../sessions/fresh-token.js";
import { checkProfileName, SessionStore } from "../sessions/session-store.js";

const usage = `Usage: ocient-sso token [--profile NAME]

Prints a valid token of the profile on stdout, and nothing else: OCIENT_TOKEN=$(ocient-sso token).
Once half its life has passed it is refreshed first (POST /v1/token_refresh); processes asking at
once share one refresh.

Options:
  -p, --profile NAME   the profile (default "default")
  -h, --help           show this help

Exit status: 0 printed, 1 failed, 2 wrong usage, 3 not signed in or the session has ended: run
"ocient-sso login" again.
`;

const options = { profile: { type: "string", short: "p", default: "default" } } as const;

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse({ args, options: { ...options, ...helpOption } });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  const profile = checkProfileName(values.profile);
  io.stdout(`${await freshToken(new SessionStore(), profile, { warn: io.stderr })}\n`);
  return 0;
}

export const token: Command = { name: "token", usage, run };
