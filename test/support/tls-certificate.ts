/** A TLS certificate for tests that serve or reach TLS on loopback. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generate } from "selfsigned";

export interface LoopbackCertificate {
  /** The certificate (PEM): also the CA to trust, as it is self-signed. */
  cert: string;
  certFile: string;
  keyFile: string;
}

/**
 * A self-signed CA certificate for 127.0.0.1 (IP subjectAltName) and its key, written to `dir` as
 * `<name>.crt` and `<name>.key` (mode 0600).
 */
export async function writeLoopbackCertificate(dir: string, name: string): Promise<LoopbackCertificate> {
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] },
    ],
  });
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await writeFile(certFile, pems.cert);
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  return { cert: pems.cert, certFile, keyFile };
}
