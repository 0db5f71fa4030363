import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePublicKey } from "../../../src/modules/controller";

/** A key made by the real ssh-keygen (openssh-client). */
function keygen(type: string, bits?: number): { publicKey: string; fingerprint: string } {
  const dir = mkdtempSync(join(tmpdir(), "keys-"));
  const file = join(dir, "id");
  execFileSync("ssh-keygen", ["-q", "-t", type, ...(bits ? ["-b", String(bits)] : []), "-N", "", "-C", "me@host", "-f", file]);
  const fingerprint = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${file}.pub`], { encoding: "utf8" }).split(" ")[1];
  return { publicKey: readFileSync(`${file}.pub`, "utf8"), fingerprint };
}

describe("parsePublicKey", () => {
  test.each([["ed25519"], ["ecdsa"], ["rsa"]])("%s keys from ssh-keygen get ssh-keygen's fingerprint", (type) => {
    const { publicKey, fingerprint } = keygen(type);
    const parsed = parsePublicKey(publicKey);
    expect(parsed.fingerprint).toBe(fingerprint);
    expect(parsed.comment).toBe("me@host");
    expect(parsed.publicKey).toBe(publicKey.trim().split(" ").slice(0, 2).join(" "));
  });

  test("a 1024-bit RSA key is refused", () => {
    expect(() => parsePublicKey(keygen("rsa", 1024).publicKey)).toThrow(/at least 2048 bits/);
  });
});
