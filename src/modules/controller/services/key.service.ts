import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { alreadyExists, invalidInput, notFound } from "../../../core/errors";
import { SshKey, type User } from "../../../entities";
import { type Page, type PageArgs, paginate } from "../pagination";
import { parsePublicKey } from "../validation/ssh-public-key";
import type { AccessService } from "./access.service";
import { isUniqueViolation } from "../../database";

export const MAX_KEYS_PER_USER = 100;
const KEY_NAME_RE = /^[A-Za-z0-9@._+:-]{1,128}$/;

/** SSH public keys: who may `git push`. A key belongs to one user, by its fingerprint. */
export class KeyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {}

  async list(ctx: RequestContext, page: PageArgs): Promise<Page<SshKey>> {
    const user = this.access.requireUser(ctx);
    const query = this.dataSource
      .getRepository(SshKey)
      .createQueryBuilder("key")
      .where(`key."userId" = :userId`, { userId: user.id });
    return paginate(query, [{ column: "key.name", type: "text", value: (k) => k.name }], "ASC", page);
  }

  async add(ctx: RequestContext, rawKey: string, requestedName?: string | null): Promise<SshKey> {
    const user = this.access.requireUser(ctx);
    const parsed = parsePublicKey(rawKey);
    const name = (requestedName ?? parsed.comment ?? `${user.username}-${parsed.fingerprint.slice(7, 15)}`).trim();
    if (!KEY_NAME_RE.test(name)) {
      throw invalidInput("name", "a key name is 1-128 letters, digits or @ . _ + : -");
    }
    const repository = this.dataSource.getRepository(SshKey);
    if (await repository.existsBy({ fingerprint: parsed.fingerprint })) {
      throw alreadyExists("publicKey", `this key (${parsed.fingerprint}) is already registered`);
    }
    if (await repository.existsBy({ userId: user.id, name })) {
      throw alreadyExists("name", `you already have a key named "${name}"`);
    }
    if ((await repository.countBy({ userId: user.id })) >= MAX_KEYS_PER_USER) {
      throw invalidInput("publicKey", `a user has at most ${MAX_KEYS_PER_USER} keys`);
    }
    try {
      return await repository.save(
        repository.create({
          userId: user.id,
          name,
          type: parsed.type,
          publicKey: parsed.publicKey,
          fingerprint: parsed.fingerprint,
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists("publicKey", "this key is already registered");
      throw error;
    }
  }

  /** Removes one of the caller's keys, named by its name or its fingerprint. */
  async remove(ctx: RequestContext, nameOrFingerprint: string): Promise<boolean> {
    const user = this.access.requireUser(ctx);
    const id = nameOrFingerprint.trim();
    const result = await this.dataSource
      .getRepository(SshKey)
      .createQueryBuilder()
      .delete()
      .where(`"userId" = :userId AND (name = :id OR fingerprint = :id)`, { userId: user.id, id })
      .execute();
    if (!result.affected) throw notFound("key", id);
    return true;
  }

  /** The owner of a key, for the builder's SSH authentication. */
  async userForFingerprint(fingerprint: string): Promise<User | null> {
    const key = await this.dataSource.getRepository(SshKey).findOne({
      where: { fingerprint },
      relations: { user: true },
    });
    return key?.user ?? null;
  }
}
