import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { utils } from "ssh2";

/** Fresh keys ssh2 makes and then cannot read (about 1 in 300: a public key with a leading zero byte) are made again. */
const ATTEMPTS = 20;

function usable(key: string): boolean {
  return !(utils.parseKey(key) instanceof Error);
}

/** The builder's SSH host key (ed25519): made once, kept under the data dir, so clients see the same host. */
export function loadHostKey(path: string): string {
  if (existsSync(path)) {
    const kept = readFileSync(path, "utf8");
    if (usable(kept)) return kept;
    // A key the server cannot load never served anyone: there is no identity to keep.
  }
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const { private: privateKey } = utils.generateKeyPairSync("ed25519");
    if (!usable(privateKey)) continue;
    // Written whole or not at all: a platform starting beside this one never reads half a key.
    writeFileSync(`${path}.new`, privateKey, { mode: 0o600 });
    renameSync(`${path}.new`, path);
    return privateKey;
  }
  throw new Error(`could not make a usable SSH host key in ${ATTEMPTS} attempts`);
}
