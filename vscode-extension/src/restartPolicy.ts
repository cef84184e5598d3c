// Decides whether a server that died is started again: a crash loop (a model that fails to load at every start,
// a broken install) must end in a message rather than restart forever. Pure, so the window is unit-tested.

export const MAX_RESTARTS = 3;
export const WINDOW_MS = 3 * 60 * 1000;

export interface Decision {
  restart: boolean;
  /** The crash times still inside the window, this one included: the state to keep for the next call. */
  crashes: number[];
}

/** At most `max` restarts within any `windowMs`: the (max + 1)-th crash inside the window stops it. */
export function decideRestart(previous: readonly number[], now: number, max = MAX_RESTARTS, windowMs = WINDOW_MS): Decision {
  const crashes = [...previous.filter((t) => now - t < windowMs), now];
  return { restart: crashes.length <= max, crashes };
}

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(private readonly max = MAX_RESTARTS, private readonly windowMs = WINDOW_MS,
              private readonly clock: () => number = Date.now) {}

  /** Records a crash; true when the server should be started again. */
  crashed(): boolean {
    const decision = decideRestart(this.crashes, this.clock(), this.max, this.windowMs);
    this.crashes = decision.crashes;
    return decision.restart;
  }

  /** A start the user asked for begins a fresh count. */
  reset(): void {
    this.crashes = [];
  }
}
