import { invalidInput } from "../../../core/errors";

/** A volume's name: lowercase letters, digits and dashes, a letter first (it is part of a Docker volume name). */
export const VOLUME_NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Trees a volume may not be mounted in or over: the system's programs, libraries and settings, the
 * kernel's file systems, and scratch space (/tmp and /run are per process by intent).
 */
const SYSTEM_TREES = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys", "/tmp", "/usr"];

/** Paths a volume may not be mounted AT (it would hide what is below), though it may go below them. */
const NOT_OVER = ["/", "/app", "/var", "/home", "/root", "/opt", "/srv"];

export function validateVolumeName(name: string): string {
  if (!VOLUME_NAME_RE.test(name)) {
    throw invalidInput("name", "1 to 32 lowercase letters, digits and dashes, starting with a letter (e.g. data)");
  }
  return name;
}

/**
 * Where a volume is mounted: an absolute, plain path (no `.` or `..`, no empty segment) that hides
 * neither the app's code (/app, where buildpack apps live; a folder below it is fine) nor the system.
 */
export function validateMountPath(raw: string): string {
  const path = raw.trim();
  const refuse = (rule: string): never => {
    throw invalidInput("path", rule);
  };
  if (!path.startsWith("/")) refuse(`must be absolute (start with /), e.g. /data; got "${path}"`);
  if (path.length > 255) refuse("must be at most 255 characters");
  if (!/^[A-Za-z0-9._/-]+$/.test(path)) refuse("may hold only letters, digits, '.', '_', '-' and '/'");
  const segments = path.split("/").slice(1);
  if (segments.includes("..")) refuse("must not contain '..'");
  if (segments.includes(".")) refuse("must not contain '.' segments");
  if (path !== "/" && segments.includes("")) refuse("must not contain '//' or end with '/'");
  if (NOT_OVER.includes(path)) {
    refuse(path === "/app" ? "must not be /app: it would hide the app's code (a folder below it, like /app/storage, is fine)" : `must not be ${path}: it would hide the image's files there`);
  }
  const tree = SYSTEM_TREES.find((t) => path === t || path.startsWith(`${t}/`));
  if (tree) refuse(`must not be in ${tree}: a system path (${SYSTEM_TREES.join(", ")} are refused)`);
  return path;
}
