import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as Selfsigned from "selfsigned";
import type { Logger } from "../../core/logger";

/** A certificate and its private key, both PEM. */
export interface CertificatePair {
  readonly certificate: string;
  readonly key: string;
}

/** The name the default certificate is made out to: no real host has it (RFC 2606 `.invalid`). */
export const DEFAULT_CERTIFICATE_NAME = "deis-router.invalid";
const VALID_DAYS = 10 * 365;
/** A kept certificate this close to its end is made anew. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * A self-signed certificate (RSA 2048, SHA-256) for HTTPS names that have none of their own, so
 * the handshake completes and the client gets the router's usual answer for the Host. Made
 * locally, with no network.
 *
 * RSA on purpose: the router also sets it as the server's own certificate (for clients that send
 * no name), and OpenSSL keeps one certificate per key type, so an SNI context with an app's RSA
 * certificate replaces it while an EC default would stay beside it and win the handshake.
 */
export async function generateDefaultCertificate(now = new Date()): Promise<CertificatePair> {
  // Loaded only to make one (about 15 MB), not by every start that finds its certificate.
  const { generate } = require("selfsigned") as typeof Selfsigned;
  const made = await generate([{ name: "commonName", value: DEFAULT_CERTIFICATE_NAME }], {
    keyType: "rsa",
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: DEFAULT_CERTIFICATE_NAME }] },
    ],
  });
  return { certificate: made.cert, key: made.private };
}

/**
 * The platform's default certificate, kept under `<dataDir>/router/` so every router process and
 * every restart serves the same one: read when there and usable, made (and written, key mode 0600)
 * otherwise. Each file is written whole and renamed into place, so concurrent starters never read
 * half a file.
 */
export async function loadDefaultCertificate(dataDir: string, log: Logger): Promise<CertificatePair> {
  const dir = join(dataDir, "router");
  const [certFile, keyFile] = [join(dir, "default.crt"), join(dir, "default.key")];
  const kept = await readPair(certFile, keyFile);
  if (kept !== null && usable(kept)) return kept;
  const made = await generateDefaultCertificate();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const suffix = `.${process.pid}.tmp`;
  // The key first: a reader that finds the new certificate also finds its key.
  await writeFile(keyFile + suffix, made.key, { mode: 0o600 });
  await rename(keyFile + suffix, keyFile);
  await writeFile(certFile + suffix, made.certificate, { mode: 0o644 });
  await rename(certFile + suffix, certFile);
  log.info({ path: certFile }, "router default certificate made");
  return made;
}

async function readPair(certFile: string, keyFile: string): Promise<CertificatePair | null> {
  try {
    return { certificate: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8") };
  } catch {
    return null;
  }
}

/** Parses, belongs to its key, and is not about to expire. */
function usable(pair: CertificatePair): boolean {
  try {
    const certificate = new X509Certificate(pair.certificate);
    if (certificate.publicKey.asymmetricKeyType !== "rsa") return false;
    if (!certificate.checkPrivateKey(createPrivateKey(pair.key))) return false;
    return new Date(certificate.validTo).getTime() - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}
