/** PostgreSQL's unique_violation (23505), as TypeORM passes it on (from pg and from PGlite). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? (error as { driverError?: { code?: string } })?.driverError?.code;
  return code === "23505";
}
