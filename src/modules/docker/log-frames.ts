/** The timestamp Docker puts before each log entry when asked (`timestamps: true`), and the space after it. */
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z /;

/**
 * Drops the entries Docker sends twice while following a container's log. Its json-file driver,
 * followed across a rotation (`max-size`), sends again entries it already sent: 6,686 of 200,000
 * lines in a test with a 200 KB file. Entries come with their timestamps, which never go back
 * within one stream, so an entry older than the newest one passed is a repeat, and so are as many
 * entries of the newest timestamp after it as were passed (entries can share a timestamp: the 16 KB
 * pieces of one long line do). A replay can also start at the newest entry itself: a whole line
 * equal to the one just passed, timestamp included to the nanosecond, is taken for that (pieces of
 * a long line are not: those of "xxx…" are all alike). One filter per stream (stdout, stderr).
 */
export class LogReplayFilter {
  private newest = "";
  /** Entries passed with the newest timestamp. */
  private atNewest = 0;
  /** Since the stream went back in time: entries of the newest timestamp seen again. */
  private repeated: number | null = null;
  /** The last entry passed, timestamp included. */
  private last: Buffer | null = null;

  /** The entry without its timestamp, or null when it is a repeat. A frame without a timestamp passes whole. */
  pass(frame: Buffer): Buffer | null {
    const match = TIMESTAMP.exec(frame.subarray(0, 40).toString("latin1"));
    if (!match) return frame;
    // RFC 3339 with nanoseconds, trailing zeros dropped: padded, the strings sort as the times do.
    const at = `${match[1]}${(match[2] ?? ".").padEnd(10, "0")}`;
    const entry = frame.subarray(match[0].length);
    if (at > this.newest) {
      this.newest = at;
      this.atNewest = 1;
      this.repeated = null;
      this.last = frame;
      return entry;
    }
    if (at < this.newest) {
      this.repeated = 0;
      return null;
    }
    const wholeLine = frame.at(-1) === 10;
    if (this.repeated !== null ? ++this.repeated <= this.atNewest : wholeLine && this.last?.equals(frame)) return null;
    this.atNewest += 1;
    this.last = frame;
    return entry;
  }
}
