import { type InferenceServerError, InvalidInputError, OverloadedError } from './errors.js';
import type { ModelSlot } from './model-slot.js';
import type { SequenceRun } from './sequences.js';
import type { Session } from './session.js';

/** An open session as the table knows it: a stream, or a sequence with its step runner. */
export interface SessionEntry {
  session: Session;
  sequence?: SequenceRun;
}

/**
 * Every open session, by model version and id, with the limits on how many may be open: the
 * server's `max_sessions` and each model's `session.max_sessions`. Past either, a new session is
 * refused (429 / RESOURCE_EXHAUSTED / WebSocket close 4429) instead of growing memory.
 */
export class SessionTable {
  private readonly entries = new Map<string, SessionEntry>();
  private readonly streams = new Set<Session>();
  private idleWaiters: (() => void)[] = [];
  private open = 0;

  constructor(private readonly maxSessions: number | null) {}

  /** Sessions open now, across all models. */
  get size(): number {
    return this.open;
  }

  /** Takes a place for a new session of `slot`, or refuses; returns the function that gives it back. */
  reserve(slot: ModelSlot): () => void {
    if (this.maxSessions !== null && this.open >= this.maxSessions) {
      throw new OverloadedError(
        `the server has its limit of ${this.maxSessions} open sessions (setting max_sessions); retry later`,
      );
    }
    const perModel = slot.sessionSpec.maxSessions;
    if (perModel !== null && slot.openSessions >= perModel) {
      throw new OverloadedError(
        `model '${slot.name}' has its limit of ${perModel} open sessions (session.max_sessions); retry later`,
      );
    }
    this.open++;
    slot.openSessions++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      slot.openSessions--;
    };
  }

  /** Registers a session under its id; an id already open for the model is a 400. */
  add(slot: ModelSlot, entry: SessionEntry): void {
    const key = keyOf(slot, entry.session.id);
    if (this.entries.has(key))
      throw new InvalidInputError(`model '${slot.name}' already has an open session '${entry.session.id}'`);
    this.entries.set(key, entry);
  }

  /** The open session `id` of a model version, if any. */
  get(slot: ModelSlot, id: string): SessionEntry | undefined {
    return this.entries.get(keyOf(slot, id));
  }

  /** Forgets a session (it ended). */
  delete(slot: ModelSlot, id: string, entry: SessionEntry['session']): void {
    const key = keyOf(slot, id);
    if (this.entries.get(key)?.session === entry) this.entries.delete(key);
  }

  /** Tracks a client's stream session until it ends (shutdown waits for these). */
  trackStream(session: Session): () => void {
    this.streams.add(session);
    return () => {
      this.streams.delete(session);
      if (this.streams.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    };
  }

  /** Resolves when no client stream session is open. */
  streamsIdle(): Promise<void> {
    if (this.streams.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Ends every open sequence with `reason` (shutdown: no step of theirs can come any more). */
  abortSequences(reason: InferenceServerError): void {
    for (const entry of this.entries.values()) if (entry.sequence) entry.session.abort(reason);
  }
}

function keyOf(slot: ModelSlot, id: string): string {
  return `${slot.name}\u0000${slot.version ?? ''}\u0000${id}`;
}
