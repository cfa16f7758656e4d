/**
 * The CLI's token cache: one file per profile under the user's cache directory (env-paths: XDG on Linux,
 * ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows), holding the service URL, database and user the
 * token belongs to (its key: a profile's token is only ever used for that service, database and user).
 *
 * Kept as Snowflake's and kubelogin's caches are: the directory 0700, files 0600 and written atomically
 * (a private temporary file renamed over the old one), so a reader never sees half a file. A file that
 * is not a plain file of this user, is readable by others, or does not parse is refused with its path,
 * never trusted: what it says could send a token elsewhere.
 */
import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import envPaths from "env-paths";
import { CliError } from "../command.js";

export interface Session {
  /** Base URL of the service. */
  url: string;
  database: string;
  /** The mapped Ocient user of the token. */
  user: string;
  token: string;
  /** When the token was received, and when it expires (ms since the epoch). */
  obtained_at: number;
  expires_at: number;
}

const PROFILE_RULE = /^[A-Za-z0-9_.-]{1,64}$/;
const FORMAT = 1;

/** The user's cache directory of ocient-sso, e.g. ~/.cache/ocient-sso/profiles. */
export function defaultCacheDir(): string {
  return join(envPaths("ocient-sso", { suffix: "" }).cache, "profiles");
}

export function checkProfileName(name: string): string {
  if (!PROFILE_RULE.test(name) || name.startsWith(".")) {
    throw new CliError(
      `profile "${name}" must be 1-64 letters, digits, '_', '.', '-' (not starting with '.')`,
    );
  }
  return name;
}

function uid(): number | undefined {
  return typeof process.getuid === "function" ? process.getuid() : undefined;
}

/** POSIX ownership and mode rules; Windows has neither, and its profile directory is private already. */
function checkOwner(path: string, what: string, stats: { uid: number; mode: number }, allowed: number) {
  const me = uid();
  if (me === undefined) return;
  if (stats.uid !== me) {
    throw new CliError(`refusing ${what} ${path}: it belongs to uid ${stats.uid}, not to you (uid ${me})`);
  }
  if ((stats.mode & 0o777 & ~allowed) !== 0) {
    throw new CliError(
      `refusing ${what} ${path}: mode ${(stats.mode & 0o777).toString(8)} lets others in (must be ${allowed.toString(8)}); remove it and sign in again`,
    );
  }
}

function isSession(value: unknown): value is Session & { format: number } {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return (
    v.format === FORMAT &&
    typeof v.url === "string" &&
    /^https?:\/\//.test(v.url) &&
    typeof v.database === "string" &&
    typeof v.user === "string" &&
    typeof v.token === "string" &&
    /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(v.token) &&
    Number.isFinite(v.obtained_at) &&
    Number.isFinite(v.expires_at)
  );
}

export class SessionStore {
  constructor(readonly dir: string = defaultCacheDir()) {}

  pathOf(profile: string): string {
    return join(this.dir, `${checkProfileName(profile)}.json`);
  }

  /** Creates the directory 0700 when missing; refuses one of someone else's or open to others. */
  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const stats = await lstat(this.dir);
    if (!stats.isDirectory()) throw new CliError(`refusing the cache directory ${this.dir}: not a directory`);
    checkOwner(this.dir, "the cache directory", stats, 0o700);
  }

  /** The profile's session, or undefined when it has none; a file that can't be trusted throws. */
  async read(profile: string): Promise<Session | undefined> {
    const path = this.pathOf(profile);
    const stats = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw new CliError(`cannot read the cache file ${path}: ${err.code ?? err.message}`);
    });
    if (stats === undefined) return undefined;
    await this.ensureDir();
    if (!stats.isFile()) throw new CliError(`refusing the cache file ${path}: not a regular file`);
    checkOwner(path, "the cache file", stats, 0o600);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, "utf8"));
    } catch {
      parsed = undefined;
    }
    if (!isSession(parsed)) {
      throw new CliError(
        `refusing the cache file ${path}: it is corrupt; remove it (ocient-sso logout --profile ${profile}) and sign in again`,
      );
    }
    const { url, database, user, token, obtained_at, expires_at } = parsed;
    return { url, database, user, token, obtained_at, expires_at };
  }

  /** Replaces the profile's session atomically: a 0600 temporary file, synced, renamed over the old one. */
  async write(profile: string, session: Session): Promise<void> {
    await this.ensureDir();
    const path = this.pathOf(profile);
    const temporary = join(this.dir, `.${profile}.${randomBytes(6).toString("hex")}.tmp`);
    const file = await open(temporary, "wx", 0o600);
    try {
      await file.writeFile(`${JSON.stringify({ format: FORMAT, ...session }, null, 2)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    // The mode given to open() is reduced by the umask; 0600 is what the rule says, whatever the umask.
    await chmod(temporary, 0o600);
    await rename(temporary, path).catch(async (err: unknown) => {
      await rm(temporary, { force: true });
      throw err;
    });
  }

  /** Removes the profile's session; true when there was one. */
  async remove(profile: string): Promise<boolean> {
    const path = this.pathOf(profile);
    const existed = await lstat(path).then(
      () => true,
      () => false,
    );
    await rm(path, { force: true });
    return existed;
  }

  /** Every profile with a file, by name. */
  async profiles(): Promise<string[]> {
    const names = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [] as string[];
      throw err;
    });
    return names
      .filter((n) => n.endsWith(".json") && !n.startsWith("."))
      .map((n) => n.slice(0, -".json".length))
      .filter((n) => PROFILE_RULE.test(n))
      .sort();
  }
}
