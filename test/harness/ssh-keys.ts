import { generateKeyPairSync } from "node:crypto";

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function mpint(base64url: string): Buffer {
  let bytes = Buffer.from(base64url, "base64url");
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return sshString(bytes);
}

/** A fresh ed25519 key pair: the OpenSSH public line and the PEM private key. */
export function ed25519Key(comment = "test@deis"): { publicKey: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
  const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(raw)]);
  return {
    publicKey: `ssh-ed25519 ${blob.toString("base64")} ${comment}`,
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

export function rsaPublicKey(bits: number, comment = "rsa@deis"): string {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const jwk = publicKey.export({ format: "jwk" });
  const blob = Buffer.concat([sshString("ssh-rsa"), mpint(jwk.e!), mpint(jwk.n!)]);
  return `ssh-rsa ${blob.toString("base64")} ${comment}`;
}

/** Looks like a DSA public key; the platform must refuse the type. */
export function dsaPublicKey(): string {
  const blob = Buffer.concat([sshString("ssh-dss"), sshString(Buffer.alloc(128, 7))]);
  return `ssh-dss ${blob.toString("base64")} old@deis`;
}
