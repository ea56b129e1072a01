/**
 * Giving the calls of an answer ids that fit the client's conversation.
 *
 * The proxy renders history with ids normalised to `functions.{name}:{n}` (how the model was
 * trained; foreign ids such as `call_abc` make it emit malformed ones), so the client's history ids
 * never reach the model and the model's new ids continue the normalised numbering. On the way out,
 * every call of the answer must be a new call to the client, with an id unique in its conversation:
 * - a new model id that clashes with nothing passes through (`functions.get_weather:1`);
 * - an id that names a history call, in the model's space (the model re-used an index it saw) or
 *   in the client's (the client numbered its calls the same way), or that a tool result answers
 *   (its call may have been trimmed from the history), would make the client take a new
 *   call for an old one and pair the wrong tool results with it, so it gets a fresh
 *   `functions.{name}:{k}`; so does an id the answer already used, and an empty one.
 *
 * @packageDocumentation
 */

/** One normalised history id: what the model saw and what the client sent (null: the call had no id). */
export interface IdMapping {
  modelId: string;
  clientId: string | null;
}

/** Gives the calls of one answer unique client-space ids. One instance per response. */
export class ToolCallIdTranslator {
  /** History ids in both spaces, and the ids this answer has handed out. */
  private readonly taken = new Set<string>();
  private next = 0;

  /**
   * @param mapping - The normaliser's mapping for this request (empty when ids were not normalised).
   * @param resultIds - The `tool_call_id` of every tool message: a result whose call is no longer in
   *   the history (a client that trimmed it) keeps its id in the conversation, and in the prompt.
   */
  constructor(mapping: readonly IdMapping[], resultIds: Iterable<string> = []) {
    for (const { modelId, clientId } of mapping) {
      this.take(modelId);
      if (clientId !== null) this.take(clientId);
    }
    for (const id of resultIds) this.take(id);
  }

  private take(id: string): void {
    this.taken.add(id);
    this.next = Math.max(this.next, indexOf(id) + 1);
  }

  /** The client-space id for an id the model wrote for a call to `name`. */
  toClient(modelId: string, name: string): string {
    let id = modelId;
    if (id === "" || this.taken.has(id)) {
      do id = `functions.${name}:${this.next++}`;
      while (this.taken.has(id));
    }
    this.taken.add(id);
    return id;
  }
}

function indexOf(id: string): number {
  const m = /:(\d+)$/.exec(id);
  return m ? Number(m[1]) : -1;
}
