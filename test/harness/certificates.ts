import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A self-signed certificate and its key for the given DNS names, made by the openssl CLI. */
export function selfSigned(names: string[], days = 30): { certificate: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "cert-"));
  try {
    execFileSync(
      "openssl",
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", String(days),
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
        "-subj", `/CN=${names[0]}`, "-addext", `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`,
      ],
      { stdio: "pipe" },
    );
    return { certificate: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
