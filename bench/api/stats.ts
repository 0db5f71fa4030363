/** Nearest-rank percentile of an ascending-sorted list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface SeriesSummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly perSecond: number;
  readonly queries: { readonly min: number; readonly median: number; readonly max: number };
}

export function summarize(latenciesMs: readonly number[], queryCounts: readonly number[], wallMs: number): SeriesSummary {
  const ms = [...latenciesMs].sort((a, b) => a - b);
  const q = [...queryCounts].sort((a, b) => a - b);
  return {
    p50: percentile(ms, 50),
    p90: percentile(ms, 90),
    p99: percentile(ms, 99),
    max: ms[ms.length - 1],
    perSecond: (latenciesMs.length / wallMs) * 1000,
    queries: { min: q[0], median: percentile(q, 50), max: q[q.length - 1] },
  };
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

/** The figures of one series and their ratio to the goal anchors (p50 < goalMs, queries <= goalQueries). */
export function report(title: string, s: SeriesSummary, goalMs: number, goalQueries: number): string {
  const latencyOk = s.p50 < goalMs;
  const queriesOk = s.queries.max <= goalQueries;
  return [
    `${title}`,
    `  latency      p50 ${ms(s.p50)}   p90 ${ms(s.p90)}   p99 ${ms(s.p99)}   max ${ms(s.max)}`,
    `  throughput   ${s.perSecond.toFixed(1)} requests/s (sequential, one client)`,
    `  SQL queries  per request: min ${s.queries.min}   median ${s.queries.median}   max ${s.queries.max}`,
    `  vs goal      p50 ${ms(s.p50)} = ${(s.p50 / goalMs).toFixed(2)}x of the ${goalMs} ms goal (${latencyOk ? "met" : "MISSED"})`,
    `               queries ${s.queries.max} (max) = ${(s.queries.max / goalQueries).toFixed(2)}x of the ${goalQueries}-query goal (${queriesOk ? "met" : "MISSED"})`,
  ].join("\n");
}
