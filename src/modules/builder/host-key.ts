import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { utils } from "ssh2";

/** The builder's SSH host key (ed25519): made once, kept under the data dir, so clients see the same host. */
export function loadHostKey(path: string): string {
  if (existsSync(path)) return readFileSync(path, "utf8");
  mkdirSync(dirname(path), { recursive: true });
  const { private: privateKey } = utils.generateKeyPairSync("ed25519");
  writeFileSync(path, privateKey, { mode: 0o600 });
  return privateKey;
}
