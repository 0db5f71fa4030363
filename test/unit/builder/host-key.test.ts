import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { utils } from "ssh2";
import { loadHostKey } from "../../../src/modules/builder/host-key";

describe("the builder's host key", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "host-key-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("is made once, kept, and always one the SSH server can load (ssh2 sometimes makes one it cannot)", () => {
    for (let i = 0; i < 600; i++) {
      const path = join(dir, `key-${i}`);
      const key = loadHostKey(path);
      expect(utils.parseKey(key)).not.toBeInstanceOf(Error);
      expect(loadHostKey(path)).toBe(key);
    }
  });

  test("a kept key the server cannot load is replaced by a usable one", () => {
    const path = join(dir, "key");
    writeFileSync(path, "-----BEGIN OPENSSH PRIVATE KEY-----\nbroken\n-----END OPENSSH PRIVATE KEY-----\n");
    const key = loadHostKey(path);
    expect(utils.parseKey(key)).not.toBeInstanceOf(Error);
    expect(readFileSync(path, "utf8")).toBe(key);
  });
});
