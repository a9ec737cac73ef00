/**
 * Slots for long-lived answers (reach-relay answers, live previews): each holds
 * a node connection or a stream for as long as its viewer keeps it, so they are
 * capped in total and per caller (a login or token, else an address). Beyond
 * either cap the request is refused before any node is contacted.
 */
import { RigmapError } from '../errors.ts';

/** How the refusals name what is capped and the settings that cap it. */
export interface SlotWords {
  what: string;
  totalFlag: string;
  perCallerFlag: string;
}

const RELAY_WORDS: SlotWords = { what: 'relayed answers', totalFlag: '--relay-max-streams', perCallerFlag: '--relay-max-streams-per-caller' };

export class StreamSlots {
  private total = 0;
  private readonly byCaller = new Map<string, number>();

  constructor(private readonly max: number, private readonly perCaller: number, private readonly words: SlotWords = RELAY_WORDS) {}

  /** Take a slot for `caller`; the returned release is safe to call more than once. */
  take(caller: string): () => void {
    if (this.total >= this.max) {
      throw new RigmapError('unavailable', `already carrying ${this.max} ${this.words.what} (the ${this.words.totalFlag} cap): close one and try again`);
    }
    const mine = this.byCaller.get(caller) ?? 0;
    if (mine >= this.perCaller) {
      throw new RigmapError('unavailable', `you already have ${mine} ${this.words.what} open (the ${this.words.perCallerFlag} cap): close one and try again`);
    }
    this.total++;
    this.byCaller.set(caller, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byCaller.get(caller) ?? 1) - 1;
      if (left > 0) this.byCaller.set(caller, left);
      else this.byCaller.delete(caller);
    };
  }

  /** Slots in use (tests, metrics). */
  get inUse(): number {
    return this.total;
  }
}
