/**
 * `ocient-sso logout`: forgets the token of a profile, or of all. As published, tokens already issued
 * stay valid until they expire: there is nothing to revoke at the service.
 */
import { type Command, helpOption, parse, UsageError } from "../command.js";
import type { Io } from "../io.js";
import { removeSession } from "../sessions/fresh-token.js";
import { checkProfileName, SessionStore } from "../sessions/session-store.js";

const usage = `Usage: ocient-sso logout [--profile NAME | --all]

Removes the token of the profile (default "default"), or of every profile, from your cache (and
from your keyring, for a profile kept there).
Tokens already issued stay valid until they expire, as published.

Options:
  -p, --profile NAME   the profile (default "default")
      --all            every profile
  -h, --help           show this help
`;

const options = { profile: { type: "string", short: "p" }, all: { type: "boolean" } } as const;

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse({ args, options: { ...options, ...helpOption } });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  if (values.all && values.profile !== undefined) throw new UsageError("give --profile or --all, not both");
  const store = new SessionStore();
  const names = values.all ? await store.profiles() : [checkProfileName(values.profile ?? "default")];
  const removed: string[] = [];
  for (const name of names) if (await removeSession(store, name)) removed.push(name);
  io.stdout(
    removed.length === 0
      ? "No profile to log out of.\n"
      : `Logged out of ${removed.map((n) => `"${n}"`).join(", ")}. Tokens already issued stay valid until they expire.\n`,
  );
  return 0;
}

export const logout: Command = { name: "logout", usage, run };
