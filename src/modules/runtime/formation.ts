import type { Procfile } from "../../entities";

/**
 * The release phase's type (Heroku's convention): its command runs once per release, before the
 * release's processes start; it is not a process type (never scaled, never in the structure).
 */
export const RELEASE_TYPE = "release";

/** The build's release command, or null when its Procfile has none. */
export function releaseCommand(procfile: Procfile): string | null {
  return procfile[RELEASE_TYPE] ?? null;
}

/** The Procfile's process types: everything but the release command. */
function processEntries(procfile: Procfile): string[] {
  return Object.keys(procfile).filter((type) => type !== RELEASE_TYPE);
}

/** Whether the build names its own process types (else the image's own command runs as `cmd`). */
export function hasProcessTypes(procfile: Procfile): boolean {
  return processEntries(procfile).length > 0;
}

/** The process types a build can run: its Procfile's, or `cmd` for an image without one. */
export function processTypes(procfile: Procfile): string[] {
  const types = processEntries(procfile);
  return types.length > 0 ? types : ["cmd"];
}

/** Routed processes (web, or cmd for an image without a Procfile) publish PORT and get routes. */
export function isRouted(type: string, procfile: Procfile): boolean {
  return type === "web" || (type === "cmd" && !hasProcessTypes(procfile));
}

/**
 * The scale a build runs at, from the app's scale: types it keeps keep their counts, types it drops
 * go, and on the app's first build the routed type (web, or cmd for an image without a Procfile)
 * gets one process. The deployer applies it when the build's release serves, never before, so a
 * release that fails leaves the app's scale as it was.
 */
export function structureFor(procfile: Procfile, current: Readonly<Record<string, number>>): Record<string, number> {
  const first = Object.keys(current).length === 0;
  // Moving between an image's own command (cmd) and a Procfile's web keeps the app's routed scale.
  const routedBefore = current.web ?? current.cmd;
  return Object.fromEntries(
    processTypes(procfile).map((type) => {
      const routed = isRouted(type, procfile);
      return [type, current[type] ?? (routed && routedBefore !== undefined ? routedBefore : first && routed ? 1 : 0)];
    }),
  );
}
