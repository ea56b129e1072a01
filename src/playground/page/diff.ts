/**
 * A small text diff for comparing two renderings of the same request (native against Jinja, or
 * two templates). Prompts are mostly one long line, so it diffs pieces (special-token strings,
 * words, single other characters) rather than lines, with Myers' O((N+M)·D) algorithm after
 * trimming the common prefix and suffix. Browser-safe, no dependencies.
 *
 * @packageDocumentation
 */

/** One run of a diff: text both sides share, text only the first has, or only the second. */
export interface DiffOp {
  /** `equal`: in both; `delete`: only in the first text; `insert`: only in the second. */
  op: "equal" | "delete" | "insert";
  /** The text of the run. */
  text: string;
}

/** The result of {@link diffTexts}. */
export interface TextDiff {
  /** Runs in order; adjacent runs never have the same `op`. Empty when both texts are empty. */
  ops: DiffOp[];
  /** True when the texts are equal. */
  identical: boolean;
  /** The first code-unit offset at which the texts differ (-1 when identical). */
  firstDifference: number;
  /**
   * True when the texts differed in more places than the edit budget allows: the middle part
   * between the common prefix and suffix is then shown as one delete and one insert.
   */
  coarse: boolean;
}

/**
 * Special-token strings, reserved-token strings, runs of letters and digits, runs of spaces, or any
 * single other character (a surrogate pair stays whole).
 */
const PIECE = /<\|[a-z_0-9]+\|>|\[[A-Z]{3}\]|[\p{L}\p{N}_]+| +|[\s\S]/gu;

/** Splits text into the pieces the diff compares. Their concatenation is the text. */
export function diffPieces(text: string): string[] {
  return text.match(PIECE) ?? [];
}

/** Default bound on the number of edits before falling back to a coarse diff. */
export const DEFAULT_MAX_EDITS = 4000;

/**
 * Diffs two texts.
 *
 * @param maxEdits - the edit budget (piece insertions plus deletions) of the exact diff; beyond it
 *   the result is {@link TextDiff.coarse}. Bounds time and memory on unrelated texts.
 */
export function diffTexts(a: string, b: string, maxEdits = DEFAULT_MAX_EDITS): TextDiff {
  if (a === b) return { ops: a ? [{ op: "equal", text: a }] : [], identical: true, firstDifference: -1, coarse: false };
  const pa = diffPieces(a);
  const pb = diffPieces(b);
  let start = 0;
  while (start < pa.length && start < pb.length && pa[start] === pb[start]) start++;
  let endA = pa.length;
  let endB = pb.length;
  while (endA > start && endB > start && pa[endA - 1] === pb[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: DiffOp[] = [];
  const push = (op: DiffOp["op"], text: string): void => {
    if (!text) return;
    const last = ops[ops.length - 1];
    if (last && last.op === op) last.text += text;
    else ops.push({ op, text });
  };
  push("equal", pa.slice(0, start).join(""));
  const middle = myers(pa.slice(start, endA), pb.slice(start, endB), maxEdits);
  const coarse = middle === undefined;
  if (middle === undefined) {
    push("delete", pa.slice(start, endA).join(""));
    push("insert", pb.slice(start, endB).join(""));
  } else {
    for (const [op, text] of middle) push(op, text);
  }
  push("equal", pa.slice(endA).join(""));
  return { ops, identical: false, firstDifference: commonPrefixLength(a, b), coarse };
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * Myers' greedy shortest edit script over pieces, or `undefined` when it needs more than
 * `maxEdits` edits. Keeps the frontier of every round (O(D²) memory) to walk the path back.
 */
function myers(a: string[], b: string[], maxEdits: number): Array<[DiffOp["op"], string]> | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    for (let k = -d; k <= d; k += 2) {
      // Go down (an insertion) from diagonal k+1, or right (a deletion) from k-1: whichever reached further.
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    trace.push(v.slice(offset - d - 1, offset + d + 2));
  }
  if (found < 0) return undefined;
  // Walk back from (n, m), recording runs in reverse.
  const reversed: Array<[DiffOp["op"], string]> = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d - 1]!;
    // prev holds diagonals -(d-1)-1 .. (d-1)+1 at indices 0 .. 2d.
    const at = (k: number): number => prev[k + d]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      reversed.push(["equal", a[--x]!]);
      y--;
    }
    if (down) reversed.push(["insert", b[--y]!]);
    else reversed.push(["delete", a[--x]!]);
  }
  while (x > 0 && y > 0) {
    reversed.push(["equal", a[--x]!]);
    y--;
  }
  return reversed.reverse();
}
