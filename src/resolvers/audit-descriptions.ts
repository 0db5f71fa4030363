/**
 * What the audit trail may say about each mutation's arguments. An ALLOW-list: a detail is recorded
 * only when a function here picks it out of the arguments, so a new mutation (or a new argument of
 * an old one) records its name, app and outcome but none of its arguments until someone decides
 * here which are safe (an `app` argument names the app, so its trail shows the call). Never a password, token, key, certificate, config value or a URL's path
 * and query (hook URLs often carry a secret).
 */
type Args = Readonly<Record<string, unknown>>;
type Pick = (args: Args) => unknown;

export interface AuditDescription {
  /** The argument naming the app the operation concerns (default: `app`, when there is one). */
  readonly app?: string;
  /** Who, when nobody is logged in (sign-in and sign-up name the account). */
  readonly actor?: (args: Args) => unknown;
  /** Each safe detail, by the name it is recorded under. */
  readonly details?: Readonly<Record<string, Pick>>;
}

const MAX_TEXT = 200;
const MAX_ITEMS = 100;

/** A string or number argument as recorded: bounded, without NUL (PostgreSQL's jsonb cannot hold it). */
function plain(value: unknown): string | number | boolean | null {
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value !== "string") return null;
  return value.replace(/\u0000/g, "").slice(0, MAX_TEXT);
}

const arg = (name: string): Pick => (args) => plain(args[name]);

function items(value: unknown): Readonly<Record<string, unknown>>[] {
  return Array.isArray(value) ? value.slice(0, MAX_ITEMS).filter((item): item is Record<string, unknown> => !!item && typeof item === "object") : [];
}

/** `key` of each item of a list argument whose value is (set) or is not (unset) null; never the value. */
const keysWhere = (name: string, set: boolean): Pick => (args) =>
  items(args[name]).filter((item) => (item.value === null || item.value === undefined) !== set).map((item) => plain(item.key));

/** `type=value` of each item: for limits and scale, which are not secret. */
const pairs = (name: string, valueField: string): Pick => (args) =>
  items(args[name]).map((item) => `${plain(item.type)}=${item[valueField] === null || item[valueField] === undefined ? "unset" : plain(item[valueField])}`);

/** Scheme, host and port of a URL: its path and query may carry a secret. */
const origin = (name: string): Pick => (args) => {
  try {
    return new URL(String(args[name])).origin.slice(0, MAX_TEXT);
  } catch {
    return "(not a URL)";
  }
};

const healthcheck: Pick = (args) => {
  const check = (args.healthcheck ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    ["path", "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "failureThreshold"].filter((k) => check[k] !== undefined && check[k] !== null).map((k) => [k, plain(check[k])]),
  );
};

export const AUDITED: Readonly<Record<string, AuditDescription>> = {
  // accounts and the platform
  register: { actor: (a) => (a.input as Args | undefined)?.username, details: { username: (a) => plain((a.input as Args | undefined)?.username) } },
  login: { actor: (a) => a.username, details: { username: arg("username") } },
  logout: {},
  changePassword: {},
  regenerateToken: { details: { username: arg("username") } },
  cancelAccount: { details: { username: arg("username") } },
  grantAdmin: { details: { username: arg("username") } },
  revokeAdmin: { details: { username: arg("username") } },
  setRegistrationMode: { details: { mode: arg("mode") } },
  addKey: { details: { name: arg("name") } },
  removeKey: { details: { key: arg("key") } },
  // apps
  createApp: { app: "name" },
  destroyApp: { app: "name" },
  transferApp: { app: "name", details: { to: arg("to") } },
  addCollaborator: { app: "app", details: { username: arg("username") } },
  removeCollaborator: { app: "app", details: { username: arg("username") } },
  setConfig: { app: "app", details: { set: keysWhere("values", true), unset: keysWhere("values", false) } },
  setLimits: { app: "app", details: { memory: pairs("memory", "value"), cpu: pairs("cpu", "value") } },
  setHealthcheck: { app: "app", details: { type: arg("type"), healthcheck } },
  unsetHealthcheck: { app: "app", details: { type: arg("type") } },
  setTags: { app: "app", details: { set: keysWhere("tags", true), unset: keysWhere("tags", false) } },
  rollback: { app: "app", details: { version: arg("version") } },
  deployImage: { app: "app", details: { image: arg("image"), types: (a) => items(a.procfile).map((p) => plain(p.type)) } },
  scale: { app: "app", details: { processes: pairs("processes", "count") } },
  restart: { app: "app", details: { type: arg("type"), num: arg("num") } },
  // the command may hold a secret (a password on a command line): not recorded
  run: { app: "app", details: { timeoutSeconds: arg("timeoutSeconds") } },
  addDomain: { app: "app", details: { domain: arg("domain") } },
  removeDomain: { app: "app", details: { domain: arg("domain") } },
  addCertificate: { app: "app", details: { name: arg("name") } },
  removeCertificate: { app: "app", details: { name: arg("name") } },
  addLogDrain: { app: "app", details: { url: origin("url") } },
  removeLogDrain: { app: "app", details: { url: origin("url") } },
  rotateLogIngestToken: { app: "app" },
  addHook: { app: "app", details: { url: origin("url") } },
  removeHook: { app: "app", details: { hook: arg("hook") } },
};

/** The safe details of a call, and a one-line summary of them (`setConfig set=[FOO, BAR]`). */
export function describeCall(operation: string, args: Args): { details: Record<string, unknown>; summary: string; app: string | null; actor: string | null } {
  const description = AUDITED[operation] ?? {};
  const details: Record<string, unknown> = {};
  for (const [name, pick] of Object.entries(description.details ?? {})) {
    const value = pick(args);
    const empty = value === null || value === undefined || (Array.isArray(value) && value.length === 0) || (typeof value === "object" && value !== null && Object.keys(value).length === 0);
    if (!empty) details[name] = value;
  }
  const shown = (value: unknown): string =>
    Array.isArray(value) ? `[${value.map(shown).join(", ")}]` : value && typeof value === "object" ? JSON.stringify(value) : String(value);
  const summary = [operation, ...Object.entries(details).map(([name, value]) => `${name}=${shown(value)}`)].join(" ");
  const app = plain(args[description.app ?? "app"]);
  const actor = description.actor ? plain(description.actor(args)) : null;
  return { details, summary, app: typeof app === "string" ? app : null, actor: typeof actor === "string" ? actor : null };
}
