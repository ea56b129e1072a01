/**
 * Reads a JSON array of token ids as it arrives (`[163595, 163597, 10, ...`), for `parse --ids
 * --stream`: each chunk yields the ids it completes; a number cut by a chunk boundary waits for the
 * rest. It accepts exactly what the whole-input `parse --ids` accepts (one JSON array of integers),
 * so the two modes never disagree on what is an id.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";

/** A JSON number (RFC 8259 §6); it is an id when its value is an integer, as `JSON.parse` reads it. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const NUMBER_CHAR = /^[0-9+\-.eE]$/;

/** Where the scanner is in `[ id , id ... ]`. */
type State = "start" | "first" | "number" | "after" | "value" | "done";

/** An incremental scanner of ids. One instance per input. */
export class IdStreamScanner {
  private state: State = "start";
  private digits = "";
  private offset = 0;

  /**
   * The ids completed by this text.
   *
   * @throws {@link KimiK2Error} `invalid_input` at the first character that cannot continue a JSON
   * array of integers.
   */
  push(text: string): number[] {
    const ids: number[] = [];
    for (const ch of text) {
      this.step(ch, ids);
      this.offset++;
    }
    return ids;
  }

  /**
   * Checks that the input ended after the array's closing `]` (the last id was already yielded by
   * the `]` that ends it).
   *
   * @throws {@link KimiK2Error} `invalid_input` when the input is empty or ended inside the array.
   */
  end(): void {
    if (this.state === "start") this.fail("the input is empty: expected a JSON array of token ids such as [163595, 10].");
    if (this.state !== "done") this.fail("the id array ended before its closing ]: expected a JSON array of token ids such as [163595, 10].");
  }

  private step(ch: string, ids: number[]): void {
    if (this.state === "number") {
      if (NUMBER_CHAR.test(ch)) {
        this.digits += ch;
        return;
      }
      this.finishNumber(ids);
    }
    if (WHITESPACE.has(ch)) return;
    switch (this.state) {
      case "start":
        if (ch === "[") return void (this.state = "first");
        break;
      case "first":
      case "value":
        // `[]` is an empty array; `[1,]` is not JSON.
        if (ch === "]" && this.state === "first") return void (this.state = "done");
        if (ch === "-" || (ch >= "0" && ch <= "9")) {
          this.digits = ch;
          return void (this.state = "number");
        }
        break;
      case "after":
        if (ch === ",") return void (this.state = "value");
        if (ch === "]") return void (this.state = "done");
        break;
      default:
        break;
    }
    this.fail(`unexpected ${JSON.stringify(ch)} at offset ${this.offset} of the id array: expected a JSON array of integer token ids such as [163595, 10].`);
  }

  private finishNumber(ids: number[]): void {
    const value = Number(this.digits);
    if (!JSON_NUMBER.test(this.digits) || !Number.isInteger(value)) {
      this.fail(`${this.digits} (before offset ${this.offset}) is not an integer token id: expected a JSON array of integer token ids such as [163595, 10].`);
    }
    ids.push(value);
    this.digits = "";
    this.state = "after";
  }

  private fail(message: string): never {
    throw new KimiK2Error("invalid_input", message);
  }
}
