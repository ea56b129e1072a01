/**
 * Translating tool-call ids between the model's id space and the client's.
 *
 * The proxy renders history with ids normalised to `functions.{name}:{n}` (how the model was
 * trained; foreign ids such as `call_abc` make it emit malformed ones), so the model's ids and the
 * client's differ. On the way out, every id in the answer is put back into the client's space:
 * - an id the history normalised (the model naming a history call) becomes the client's id again;
 * - a new id that happens to equal one of the client's history ids (the client numbered its calls
 *   differently) would make the client mistake a new call for an old one, so it gets a fresh
 *   `functions.{name}:{k}` instead; so does an id the answer already used.
 *
 * @packageDocumentation
 */

/** One normalised history id: what the model saw and what the client sent (null: the call had no id). */
export interface IdMapping {
  modelId: string;
  clientId: string | null;
}

/** Puts the ids of one answer into the client's id space. One instance per response. */
export class ToolCallIdTranslator {
  private readonly toClientId = new Map<string, string>();
  /** Ids the client holds (its history) and ids this answer has handed out. */
  private readonly taken = new Set<string>();
  /** Ids this answer has handed out. */
  private readonly given = new Set<string>();
  private next = 0;

  /**
   * @param mapping - The normaliser's mapping for this request (empty when ids were not normalised).
   */
  constructor(mapping: readonly IdMapping[]) {
    for (const { modelId, clientId } of mapping) {
      // A history call the client sent without an id has nothing to restore.
      if (clientId === null) continue;
      this.toClientId.set(modelId, clientId);
      this.taken.add(clientId);
      this.next = Math.max(this.next, indexOf(modelId) + 1, indexOf(clientId) + 1);
    }
  }

  /** The client-space id for an id the model wrote for a call to `name`. */
  toClient(modelId: string, name: string): string {
    const restored = this.toClientId.get(modelId);
    if (restored !== undefined && !this.given.has(restored)) return this.hand(restored);
    if (restored === undefined && !this.taken.has(modelId)) return this.hand(modelId);
    let fresh: string;
    do fresh = `functions.${name}:${this.next++}`;
    while (this.taken.has(fresh) || this.toClientId.has(fresh));
    return this.hand(fresh);
  }

  private hand(id: string): string {
    this.given.add(id);
    this.taken.add(id);
    return id;
  }
}

function indexOf(id: string): number {
  const m = /:(\d+)$/.exec(id);
  return m ? Number(m[1]) : -1;
}
