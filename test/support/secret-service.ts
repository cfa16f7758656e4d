/**
 * A real Secret Service of the test's own, for the CLI's keyring storage: a D-Bus session bus
 * (dbus-daemon, its socket in a temporary directory) and GNOME Keyring's daemon on it, its login keyring
 * created and unlocked with a throwaway password and kept in that directory (HOME and XDG_DATA_HOME
 * point there). `env` is what a process needs to use it; `lookup` reads an entry with libsecret's
 * secret-tool, another client than the CLI's. `close()` stops both by PID and removes the directory.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { programPath, runProgram, stopProgram, waitUntil } from "./programs.js";

const run = promisify(execFile);

export interface SecretService {
  /** DBUS_SESSION_BUS_ADDRESS, and the HOME and XDG_DATA_HOME the keyring lives in. */
  env: { DBUS_SESSION_BUS_ADDRESS: string; HOME: string; XDG_DATA_HOME: string };
  /** The secret stored for `service` and `username` (keyring-rs's attributes), or undefined. */
  lookup(service: string, username: string): Promise<string | undefined>;
  /** Removes that entry behind the CLI's back. */
  clear(service: string, username: string): Promise<void>;
  close(): Promise<void>;
}

export async function startSecretService(): Promise<SecretService> {
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-keyring-"));
  const address = `unix:path=${join(dir, "bus")}`;
  const env = { DBUS_SESSION_BUS_ADDRESS: address, HOME: dir, XDG_DATA_HOME: join(dir, "data") };
  const childEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env };
  const bus = runProgram("dbus-daemon", ["--session", "--nofork", `--address=${address}`], dir, {
    env: childEnv,
  });
  const dbus = (...args: string[]) => run(programPath("dbus-bin"), args, { env: childEnv });
  const owned = async (name: string) => {
    const { stdout } = await dbus(
      "--session",
      "--print-reply",
      "--dest=org.freedesktop.DBus",
      "/org/freedesktop/DBus",
      "org.freedesktop.DBus.NameHasOwner",
      `string:${name}`,
    );
    return stdout.includes("boolean true");
  };
  let keyring: ReturnType<typeof runProgram> | undefined;
  try {
    await waitUntil(bus, "dbus-daemon", () => owned("org.freedesktop.DBus"));
    // --unlock reads the password on stdin and creates the login keyring with it when there is none.
    keyring = runProgram(
      "gnome-keyring",
      ["--foreground", "--unlock", "--components=secrets", "--control-directory", dir],
      dir,
      { env: childEnv, stdin: "throwaway-keyring-password" },
    );
    await waitUntil(keyring, "gnome-keyring-daemon", () => owned("org.freedesktop.secrets"));
  } catch (err) {
    if (keyring) await stopProgram(keyring, "SIGKILL");
    await stopProgram(bus, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const secretTool = (...args: string[]) => run(programPath("libsecret-tools"), args, { env: childEnv });
  return {
    env,
    async lookup(service, username) {
      const found = await secretTool("lookup", "service", service, "username", username).catch(
        (err: { code?: number }) => {
          // secret-tool exits 1 when nothing matches.
          if (err.code === 1) return undefined;
          throw err;
        },
      );
      return found?.stdout;
    },
    async clear(service, username) {
      await secretTool("clear", "service", service, "username", username);
    },
    async close() {
      if (keyring) await stopProgram(keyring);
      await stopProgram(bus);
      // The keyring daemon's last writes may still be landing as it exits.
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
