/**
 * Reads a JSON array of token ids as it arrives (`[163595, 163597, 10, ...`), for `parse --ids
 * --stream`: each chunk yields the ids it completes; a number cut by a chunk boundary waits for the
 * rest.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";

/** An incremental scanner of ids. One instance per input. */
export class IdStreamScanner {
  private digits = "";
  private offset = 0;

  /** The ids completed by this text. */
  push(text: string): number[] {
    const ids: number[] = [];
    for (const ch of text) {
      if (ch >= "0" && ch <= "9") {
        this.digits += ch;
      } else if (ch === "," || ch === "[" || ch === "]" || ch === " " || ch === "\n" || ch === "\r" || ch === "\t") {
        this.flush(ids);
      } else {
        throw new KimiK2Error("invalid_input", `unexpected ${JSON.stringify(ch)} at offset ${this.offset} of the id array: expected non-negative integers such as [163595, 10].`);
      }
      this.offset++;
    }
    return ids;
  }

  /** The id the input ends with, if any. */
  end(): number[] {
    const ids: number[] = [];
    this.flush(ids);
    return ids;
  }

  private flush(ids: number[]): void {
    if (this.digits === "") return;
    ids.push(Number(this.digits));
    this.digits = "";
  }
}
