/** Human release summaries in the Deis style: "alice added FOO, BAR and removed BAZ". */

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** "added FOO, BAR, changed BAZ and removed QUX" (empty parts left out). */
export function describeKeyChanges(
  actor: string,
  added: readonly string[],
  changed: readonly string[],
  removed: readonly string[],
  noun = "",
): string {
  const prefix = noun ? `${noun} ` : "";
  const parts = [
    added.length ? `added ${prefix}${added.join(", ")}` : "",
    changed.length ? `changed ${prefix}${changed.join(", ")}` : "",
    removed.length ? `removed ${prefix}${removed.join(", ")}` : "",
  ].filter(Boolean);
  return `${actor} ${list(parts)}`;
}
