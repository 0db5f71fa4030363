import { createHash } from "node:crypto";
import { invalidInput } from "../../../core/errors";

export interface ParsedPublicKey {
  readonly type: string;
  /** Normalised "type base64" (the comment is kept apart). */
  readonly publicKey: string;
  readonly comment: string | null;
  readonly fingerprint: string;
}

const ACCEPTED_TYPES = new Set([
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
]);
const MIN_RSA_BITS = 2048;

/** SHA256:<base64 without padding> of the key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Reads the length-prefixed strings of an SSH wire-format blob. */
function readStrings(blob: Buffer, count: number): Buffer[] | null {
  const parts: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > blob.length) return null;
    const length = blob.readUInt32BE(offset);
    offset += 4;
    if (offset + length > blob.length) return null;
    parts.push(blob.subarray(offset, offset + length));
    offset += length;
  }
  return parts;
}

function rsaBits(modulus: Buffer): number {
  let i = 0;
  while (i < modulus.length && modulus[i] === 0) i++;
  if (i === modulus.length) return 0;
  return (modulus.length - i - 1) * 8 + Math.floor(Math.log2(modulus[i])) + 1;
}

/** Parses an OpenSSH public key line (what `~/.ssh/id_ed25519.pub` holds), refusing what is unsafe. */
export function parsePublicKey(raw: string, field = "publicKey"): ParsedPublicKey {
  const text = raw.trim();
  if (text.length === 0) throw invalidInput(field, "must not be empty");
  if (/PRIVATE KEY/.test(text)) {
    throw invalidInput(
      field,
      "this is a PRIVATE key: add the .pub file instead, and consider this key exposed (make a new one with ssh-keygen -t ed25519)",
    );
  }
  if (text.length > 16 * 1024) throw invalidInput(field, "an SSH public key is at most 16 KiB");
  if (text.includes("\n")) throw invalidInput(field, "must be a single public key on one line");
  const [type, data, ...commentParts] = text.split(/\s+/);
  if (type === "ssh-dss") throw invalidInput(field, "DSA keys are insecure and refused; use ssh-keygen -t ed25519");
  if (!ACCEPTED_TYPES.has(type)) {
    throw invalidInput(field, `must be an OpenSSH public key ("ssh-ed25519 AAAA...", "ssh-rsa AAAA..." or "ecdsa-sha2-...")`);
  }
  if (!data || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw invalidInput(field, "the key data is not base64");
  const blob = Buffer.from(data, "base64");
  const [embeddedType, ...rest] = readStrings(blob, type === "ssh-rsa" ? 3 : 2) ?? [];
  if (!embeddedType || embeddedType.toString("latin1") !== type) {
    throw invalidInput(field, `the key data is not a ${type} key`);
  }
  if (type === "ssh-rsa" && rsaBits(rest[1]) < MIN_RSA_BITS) {
    throw invalidInput(field, `RSA keys must have at least ${MIN_RSA_BITS} bits; use ssh-keygen -t ed25519`);
  }
  const comment = commentParts.join(" ").trim();
  return {
    type,
    publicKey: `${type} ${data}`,
    comment: comment.length > 0 ? comment : null,
    fingerprint: fingerprintOf(blob),
  };
}
