/**
 * The certificate and key of `server.tls`, read before anything else at start (so a start that fails on
 * them has created nothing, not even a key file), and checked to load together. check-config runs the
 * same check. Problems name the setting and the path; nothing of the files is quoted.
 */
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import type { Config } from "../config/schema.js";

type TlsConfig = NonNullable<Config["server"]["tls"]>;

export class TlsFilesError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

async function read(setting: string, file: string, problems: string[]): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    problems.push(`${setting}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    return undefined;
  }
}

export async function loadTlsFiles(tls: TlsConfig): Promise<{ cert: Buffer; key: Buffer }> {
  const problems: string[] = [];
  const [cert, key] = await Promise.all([
    read("server.tls.cert_file", tls.cert_file, problems),
    read("server.tls.key_file", tls.key_file, problems),
  ]);
  if (!cert || !key) throw new TlsFilesError(problems);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    // OpenSSL's reason ("no start line", "key values mismatch"), which quotes nothing of the files.
    throw new TlsFilesError([
      `server.tls: ${tls.cert_file} and ${tls.key_file} are not a PEM certificate and its private key (${(err as Error).message})`,
    ]);
  }
  return { cert, key };
}
