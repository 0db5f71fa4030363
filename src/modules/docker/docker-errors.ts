/** The HTTP status the Docker engine answered with, if the error carries one (404: no such object). */
export function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}
