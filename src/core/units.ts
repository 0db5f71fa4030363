/** Resource quantities as users write them in limits, shared by validation and the runtime. */

const MEMORY_RE = /^(\d+(?:\.\d+)?)([BKMG])?$/i;
const MEMORY_UNITS: Record<string, number> = { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** "512M" -> bytes; null when it is not a memory size. */
export function memoryBytes(value: string): number | null {
  const match = MEMORY_RE.exec(value.trim());
  return match ? Math.floor(Number(match[1]) * MEMORY_UNITS[(match[2] ?? "B").toUpperCase()]) : null;
}

const CPU_RE = /^(\d+(?:\.\d+)?)(m)?$/;

/** "500m" (millicores) or "1.5" (cores) -> nano-CPUs as Docker takes them; null when it is neither. */
export function nanoCpus(value: string): number | null {
  const match = CPU_RE.exec(value.trim());
  if (!match) return null;
  return Math.round((match[2] ? Number(match[1]) / 1000 : Number(match[1])) * 1e9);
}
