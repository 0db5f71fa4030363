/** A counting semaphore: builds wait here for a slot (DEIS_BUILD_CONCURRENCY across apps). */
export class BuildSlots {
  private readonly waiting: (() => void)[] = [];

  constructor(private free: number) {}

  /** Waits for a slot; the function returned gives it back (once, however often it is called). */
  async take(): Promise<() => void> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    };
  }

  get busy(): boolean {
    return this.free === 0;
  }
}
