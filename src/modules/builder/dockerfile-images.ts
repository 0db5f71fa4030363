/**
 * The images a Dockerfile reads (its FROM lines and COPY --from), with ARG defaults and the build
 * args given applied as Docker would. Stage names defined by `FROM ... AS name` are not images.
 */
export function imagesOf(dockerfile: string, buildArgs: Readonly<Record<string, string>> = {}): string[] {
  const args: Record<string, string> = {};
  const stages = new Set<string>();
  const images: string[] = [];
  const expand = (text: string) =>
    text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => buildArgs[name] ?? args[name] ?? "");
  // Continuation lines join their instruction.
  for (const raw of dockerfile.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
    const line = raw.trim();
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?/i.exec(line);
    if (arg) {
      args[arg[1]] = arg[2]?.replace(/^["']|["']$/g, "") ?? args[arg[1]] ?? "";
      continue;
    }
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const image = expand(from[1]);
      if (!stages.has(image.toLowerCase())) images.push(image);
      if (from[2]) stages.add(from[2].toLowerCase());
      continue;
    }
    const copy = /^(?:COPY|RUN)\b.*--(?:from|mount=[^\s]*from)=([^\s,]+)/i.exec(line);
    if (copy) {
      const image = expand(copy[1]);
      if (!stages.has(image.toLowerCase()) && !/^\d+$/.test(image)) images.push(image);
    }
  }
  return images;
}
