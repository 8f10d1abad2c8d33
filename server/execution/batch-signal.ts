/**
 * The signal of a batch's model call: it fires when every request of the batch has been
 * aborted (one that leaves does not stop the others), with the first request's reason.
 */
export class BatchSignal {
  private readonly controller = new AbortController();
  private readonly listeners: (() => void)[] = [];

  constructor(members: readonly AbortSignal[]) {
    let left = members.length;
    for (const member of members) {
      if (member.aborted) {
        left--;
        continue;
      }
      const onAbort = () => {
        if (--left === 0) this.controller.abort(members[0]!.reason);
      };
      member.addEventListener('abort', onAbort, { once: true });
      this.listeners.push(() => member.removeEventListener('abort', onAbort));
    }
    if (left === 0) this.controller.abort(members[0]!.reason);
  }

  /** Fires once all members are aborted. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops listening to the members. */
  dispose(): void {
    for (const remove of this.listeners.splice(0)) remove();
  }
}
