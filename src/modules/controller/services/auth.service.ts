import { createHash, randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import type { RegistrationMode } from "../../../core/config";
import type { RequestContext } from "../../../core/context";
import { DomainError, alreadyExists, invalidInput, permissionDenied } from "../../../core/errors";
import { Token, User } from "../../../entities";
import { type SessionsEndedPayload, sessionsEndedTopic } from "../../../core/topics";
import type { CounterStore } from "../../cache";
import type { Tx, UnitOfWork } from "../unit-of-work";
import { USERNAME_RE, normalizeUsername, validateEmail, validatePassword } from "../validation/names";
import type { AccessService } from "./access.service";
import { clientAddressKey } from "./client-address";
import { UNKNOWN_USER_HASH, hashPassword, verifyPassword } from "./password";

export interface AuthSettings {
  readonly loginMaxAttempts: number;
  readonly loginWindowSeconds: number;
}

export interface Session {
  readonly token: string;
  readonly user: User;
}

export interface RegisterInput {
  readonly username: string;
  readonly password: string;
  readonly email?: string | null;
}

const TOKEN_PREFIX = "dts_";
/** Failed logins allowed from one client address (any usernames), as a multiple of those allowed for one username from it. */
const ADDRESS_FACTOR = 5;

/** What the database keeps of a token, and what says which live sessions a revocation ends. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Deletes the tokens `where` picks (SQL on the tokens table) and, once the transaction commits,
 * tells every API process to close the subscriptions opened with them.
 */
export async function revokeTokens(tx: Tx, reason: SessionsEndedPayload["reason"], where: string, parameters: unknown[]): Promise<void> {
  const result: unknown = await tx.manager.query(`DELETE FROM tokens WHERE ${where} RETURNING hash`, parameters);
  // PostgreSQL's driver answers a DELETE with [rows, count].
  const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as { hash: string }[];
  if (rows.length > 0) tx.publish(sessionsEndedTopic, { tokenHashes: rows.map((row) => row.hash), reason });
}

/** Accounts and API tokens: registration, login (rate-limited), logout, passwords. */
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly counters: CounterStore,
    private readonly settings: AuthSettings,
    /** Who may register now (an admin may change it while the platform runs). */
    private readonly registrationMode: () => Promise<RegistrationMode>,
  ) {}

  /** The user behind a bearer token, in one query; null when the token is unknown. */
  async authenticate(token: string): Promise<{ user: User; tokenId: string } | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return null;
    const row = await this.dataSource
      .getRepository(Token)
      .createQueryBuilder("token")
      .innerJoinAndSelect("token.user", "user")
      .where("token.hash = :hash", { hash: hashToken(token) })
      .getOne();
    return row ? { user: row.user, tokenId: row.id } : null;
  }

  async register(ctx: RequestContext, input: RegisterInput): Promise<Session> {
    const username = normalizeUsername(input.username);
    const password = validatePassword(input.password);
    const email = validateEmail(input.email);
    const passwordHash = await hashPassword(password);
    const mode = await this.registrationMode();
    const session = await this.unitOfWork.run(ctx, async (tx) => {
      // Serialises registrations so exactly one first user becomes admin.
      await tx.manager.query(`LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`);
      const first = (await tx.manager.count(User)) === 0;
      if (!first) this.checkRegistrationAllowed(ctx, mode);
      if (await tx.manager.existsBy(User, { username })) {
        throw alreadyExists("username", `username "${username}" is taken`);
      }
      const user = await tx.manager.save(tx.manager.create(User, { username, email, passwordHash, isAdmin: first }));
      return { user, token: await this.issueToken(tx, user.id) };
    });
    ctx.log.info({ username, admin: session.user.isAdmin }, "user registered");
    return session;
  }

  private checkRegistrationAllowed(ctx: RequestContext, mode: RegistrationMode): void {
    switch (mode) {
      case "enabled":
        return;
      case "disabled":
        throw permissionDenied("registration is disabled on this platform");
      case "admin_only":
        if (!ctx.user?.isAdmin) throw permissionDenied("only an admin may register users on this platform");
        return;
    }
  }

  /**
   * Failed logins are counted per (username, client address) and per client address, never per
   * username alone: someone guessing alice's password from one address locks that address out of
   * alice (and, past five times the limit, out of every account), not alice herself.
   */
  async login(ctx: RequestContext, rawUsername: string, password: string): Promise<Session> {
    const username = rawUsername.trim().toLowerCase();
    if (username.length === 0) throw invalidInput("username", "must not be empty");
    const address = clientAddressKey(ctx.clientAddress);
    // The address first: it never holds "|", so no username can make two pairs share a key.
    const pairKey = `login:pair:${address}|${username}`;
    const addressKey = `login:address:${address}`;
    const { loginMaxAttempts: max, loginWindowSeconds: window } = this.settings;
    // Every attempt on a pair counts before the password is checked, so attempts sent at once
    // cannot all slip under the limit; success clears the count. One address may fail for several
    // users (a shared NAT), so its failures get more room.
    const attempts = await this.counters.increment(pairKey, window);
    if (attempts > max || (await this.counters.current(addressKey)) >= max * ADDRESS_FACTOR) {
      throw new DomainError("TOO_MANY_ATTEMPTS", `too many failed logins from your address; wait up to ${window} seconds and try again`);
    }
    // A name outside the rule belongs to nobody: a wrong login, at the same cost as any other.
    const user = USERNAME_RE.test(username) ? await this.dataSource.getRepository(User).findOneBy({ username }) : null;
    const valid = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
    if (!user || !valid) {
      await this.counters.increment(addressKey, window);
      throw new DomainError("NOT_AUTHENTICATED", "wrong username or password");
    }
    await this.counters.reset(pairKey);
    return { user, token: await this.unitOfWork.run(ctx, (tx) => this.issueToken(tx, user.id)) };
  }

  /** Revokes the token this request used; subscriptions opened with it end. */
  async logout(ctx: RequestContext): Promise<boolean> {
    this.access.requireUser(ctx);
    if (ctx.tokenId) {
      const tokenId = ctx.tokenId;
      await this.unitOfWork.run(ctx, (tx) => revokeTokens(tx, "logout", "id = $1", [tokenId]));
    }
    return true;
  }

  /** Changes the caller's password and revokes every other token of theirs (their subscriptions end). */
  async changePassword(ctx: RequestContext, current: string, next: string): Promise<boolean> {
    const user = this.access.requireUser(ctx);
    validatePassword(next, "newPassword");
    const stored = await this.dataSource.getRepository(User).findOneByOrFail({ id: user.id });
    if (!(await verifyPassword(current, stored.passwordHash))) {
      throw invalidInput("password", "is not your current password");
    }
    const passwordHash = await hashPassword(next);
    await this.unitOfWork.run(ctx, async (tx) => {
      await tx.manager.update(User, { id: user.id }, { passwordHash });
      if (ctx.tokenId) await revokeTokens(tx, "password-changed", `"userId" = $1 AND id <> $2`, [user.id, ctx.tokenId]);
      else await revokeTokens(tx, "password-changed", `"userId" = $1`, [user.id]);
    });
    return true;
  }

  /** Revokes every token of the user (the caller, or anyone for an admin) and issues a new one. */
  async regenerateToken(ctx: RequestContext, username?: string | null): Promise<string> {
    const caller = this.access.requireUser(ctx);
    let userId = caller.id;
    if (username && normalizeUsername(username) !== caller.username) {
      this.access.requireAdmin(ctx);
      const target = await this.dataSource.getRepository(User).findOneBy({ username: normalizeUsername(username) });
      if (!target) throw new DomainError("NOT_FOUND", `user "${username}" not found`);
      userId = target.id;
    }
    return this.unitOfWork.run(ctx, async (tx) => {
      await revokeTokens(tx, "token-regenerated", `"userId" = $1`, [userId]);
      return this.issueToken(tx, userId);
    });
  }

  private async issueToken(tx: Tx, userId: string): Promise<string> {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
    await tx.manager.insert(Token, { userId, hash: hashToken(token) });
    return token;
  }
}
