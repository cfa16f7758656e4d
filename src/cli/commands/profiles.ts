/** `ocient-sso profiles`: the profiles signed in, with their service, database, user and token expiry. */
import { CliError, type Command, helpOption, parse } from "../command.js";
import type { Io } from "../io.js";
import { SessionStore } from "../sessions/session-store.js";
import { formatTable } from "../table.js";

const usage = `Usage: ocient-sso profiles

Lists the profiles kept in your cache: service URL, database, user, when the token expires, and
where it is kept (its file, or your keyring, which is not opened to list it). A file that can't be
trusted is listed with the reason.

Options:
  -h, --help   show this help
`;

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse({ args, options: { ...helpOption } });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  const store = new SessionStore();
  const names = await store.profiles();
  if (names.length === 0) {
    io.stdout(`No profiles in ${store.dir}. Sign in with: ocient-sso login --url URL --database DB\n`);
    return 0;
  }
  const rows: string[][] = [];
  for (const name of names) {
    const session = await store.readRecord(name).catch((err: unknown) => {
      if (err instanceof CliError) return err.message;
      throw err;
    });
    if (session === undefined) continue;
    if (typeof session === "string") {
      rows.push([name, "-", "-", "-", session, "-"]);
      continue;
    }
    const expires = new Date(session.expires_at);
    const state = session.expires_at > Date.now() ? `expires ${expires.toISOString()}` : "expired";
    rows.push([name, session.url, session.database, session.user, state, session.storage ?? "file"]);
  }
  io.stdout(formatTable(["PROFILE", "URL", "DATABASE", "USER", "TOKEN", "STORED IN"], rows));
  return 0;
}

export const profiles: Command = { name: "profiles", usage, run };
