import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DomainError } from "../../../src/core/errors";
import { parseCertificate } from "../../../src/modules/controller/services/certificate.service";
import { selfSigned } from "../../harness/certificates";

function refusal(run: () => unknown): DomainError {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe("INVALID_INPUT");
  return error as DomainError;
}

/** A certificate whose subject has no CN and which has no DNS names, made by openssl. */
function nameless(): { certificate: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "cert-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", join(dir, "k"), "-out", join(dir, "c"), "-subj", "/O=Nobody"], { stdio: "pipe" });
    return { certificate: readFileSync(join(dir, "c"), "utf8"), key: readFileSync(join(dir, "k"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("parseCertificate", () => {
  const shop = selfSigned(["Shop.Example.com", "www.shop.example.com"]);

  test("reads the names (lowercased), fingerprint and validity", () => {
    const parsed = parseCertificate(shop.certificate, shop.key);
    expect(parsed.commonName).toBe("shop.example.com");
    expect(parsed.sans).toEqual(["shop.example.com", "www.shop.example.com"]);
    expect(parsed.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(parsed.startsAt.getTime()).toBeLessThan(parsed.expiresAt.getTime());
  });

  test("refuses what is not a PEM certificate, naming the field", () => {
    expect(refusal(() => parseCertificate("hello", shop.key)).details.field).toBe("certificate");
  });

  test("refuses a key that is not a PEM key, or not the certificate's", () => {
    expect(refusal(() => parseCertificate(shop.certificate, "nope")).details).toMatchObject({ field: "key", rule: expect.stringMatching(/PEM private key/) });
    const other = selfSigned(["other.example.com"]);
    expect(refusal(() => parseCertificate(shop.certificate, other.key)).details).toEqual({ field: "key", rule: "does not belong to the certificate" });
  });

  test("refuses an expired certificate", () => {
    const later = new Date(Date.now() + 365 * 24 * 3600 * 1000);
    expect(refusal(() => parseCertificate(shop.certificate, shop.key, later)).details.rule).toMatch(/^expired on \d{4}-/);
  });

  test("refuses a certificate that names no domain", () => {
    const anonymous = nameless();
    expect(refusal(() => parseCertificate(anonymous.certificate, anonymous.key)).details.rule).toMatch(/names no domain/);
  });
});
