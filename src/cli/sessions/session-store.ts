/**
 * The CLI's token cache: one file per profile under the user's cache directory (env-paths: XDG on Linux,
 * ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows), holding the service URL, database and user the
 * token belongs to (its key: a profile's token is only ever used for that service, database and user).
 *
 * Kept as Snowflake's and kubelogin's caches are: the directory 0700, files 0600 and written atomically
 * (a private temporary file renamed over the old one), so a reader never sees half a file. A file that
 * is not a plain file of this user, is readable by others, or does not parse is refused with its path,
 * never trusted: what it says could send a token elsewhere.
 *
 * A profile signed in with `--token-storage keyring` keeps its token in the operating system's keyring
 * (keyring.ts) and only the rest in its file, which then holds no secret; the file and its lock stay the
 * profile's record either way.
 */
import { lstat, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import envPaths from "env-paths";
import { replaceFile } from "../../lib/replace-file.js";
import { CliError, SignInNeeded } from "../command.js";
import { keyringDelete, keyringGet, keyringSet } from "./keyring.js";

/** Where a profile's token is kept: in its cache file, or in the operating system's keyring. */
export type TokenStorage = "file" | "keyring";
export const TOKEN_STORAGES: readonly TokenStorage[] = ["file", "keyring"];

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
  /** Where the token is kept (default "file"). */
  storage?: TokenStorage;
}

/** What a profile's file says, without its token: enough to list it, or to sign in to it again. */
export type SessionRecord = Omit<Session, "token">;

const PROFILE_RULE = /^[A-Za-z0-9_.-]{1,64}$/;
const FORMAT = 1;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

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

/** The command that signs a profile in again, for messages. */
export function loginHint(profile: string, session?: Pick<Session, "url" | "database">): string {
  const where = session ? `--url ${session.url} --database ${session.database}` : "--url URL --database DB";
  return `ocient-sso login ${where}${profile === "default" ? "" : ` --profile ${profile}`}`;
}

/** A profile's file: its token inline, or (storage "keyring") no token at all. */
function isProfileFile(value: unknown): value is SessionRecord & { format: number; token?: string } {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  const tokenKept =
    v.storage === "keyring"
      ? v.token === undefined
      : v.storage === undefined && typeof v.token === "string" && TOKEN_SHAPE.test(v.token);
  return (
    v.format === FORMAT &&
    typeof v.url === "string" &&
    /^https?:\/\//.test(v.url) &&
    typeof v.database === "string" &&
    typeof v.user === "string" &&
    tokenKept &&
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

  /** The keyring account of a profile's token: its file's path, unique per profile and cache directory. */
  keyringAccount(profile: string): string {
    return this.pathOf(profile);
  }

  /**
   * The profile's session with its token (from the keyring when kept there), or undefined when it has
   * none; a file that can't be trusted throws, and so does a keyring that can't be reached. A keyring that
   * no longer holds the token is {@link SignInNeeded}.
   */
  async read(profile: string): Promise<Session | undefined> {
    const record = await this.readRecord(profile);
    if (record === undefined || record.storage !== "keyring") return record as Session | undefined;
    const token = await keyringGet(this.keyringAccount(profile));
    if (token === undefined) {
      throw new SignInNeeded(
        `the keyring no longer holds the token of profile "${profile}": run ${loginHint(profile, record)}`,
      );
    }
    if (!TOKEN_SHAPE.test(token)) {
      throw new CliError(
        `refusing the keyring's entry for profile "${profile}": it is no token; sign in again (${loginHint(profile, record)})`,
      );
    }
    return { ...record, token };
  }

  /** What the profile's file says, the token left where it is (in the file, or in the keyring unread). */
  async readRecord(profile: string): Promise<(SessionRecord & { token?: string }) | undefined> {
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
    if (!isProfileFile(parsed)) {
      throw new CliError(
        `refusing the cache file ${path}: it is corrupt; remove it (ocient-sso logout --profile ${profile}) and sign in again`,
      );
    }
    const { url, database, user, token, obtained_at, expires_at, storage } = parsed;
    return storage === "keyring"
      ? { url, database, user, obtained_at, expires_at, storage }
      : { url, database, user, token, obtained_at, expires_at };
  }

  /**
   * Replaces the profile's session: a token for the keyring goes there first, then the file is replaced
   * atomically (lib/replace-file.ts: a 0600 temporary file, synced, renamed over the old one). A profile moved from the
   * keyring to its file leaves no token behind in the keyring.
   */
  async write(profile: string, session: Session): Promise<void> {
    await this.ensureDir();
    const path = this.pathOf(profile);
    const { token, storage, ...rest } = session;
    const before = await this.readRecord(profile).catch(() => undefined);
    if (storage === "keyring") await keyringSet(this.keyringAccount(profile), token);
    const record =
      storage === "keyring" ? { format: FORMAT, ...rest, storage } : { format: FORMAT, ...rest, token };
    // 0600 whatever the umask: the rule every read checks.
    await replaceFile(path, `${JSON.stringify(record, null, 2)}\n`, 0o600);
    if (before?.storage === "keyring" && storage !== "keyring")
      await keyringDelete(this.keyringAccount(profile));
  }

  /**
   * Removes the profile's session, its token in the keyring first: a keyring that can't be reached keeps
   * the file, so that logging out again can finish the job. True when there was one.
   */
  async remove(profile: string): Promise<boolean> {
    const path = this.pathOf(profile);
    const existed = await lstat(path).then(
      () => true,
      () => false,
    );
    const record = await this.readRecord(profile).catch(() => undefined);
    if (record?.storage === "keyring") await keyringDelete(this.keyringAccount(profile));
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
