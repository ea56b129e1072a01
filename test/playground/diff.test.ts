import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffPieces, diffTexts, type DiffOp } from "../../src/playground/page/diff.js";
import { runs } from "../helpers/shared.js";

const SEED = Number(process.env.FC_SEED ?? 20_250_907);

function side(ops: DiffOp[], keep: DiffOp["op"]): string {
  return ops.filter((o) => o.op === "equal" || o.op === keep).map((o) => o.text).join("");
}

/** Longest common subsequence of two piece lists, by the textbook table (the independent check). */
function lcs(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(up, row[j - 1]!);
      diag = up;
    }
  }
  return row[b.length]!;
}

const pieceText = fc
  .array(fc.constantFrom("<|im_end|>", "<|im_user|>", "[EOS]", "hello", "world", " ", "  ", "\n", ",", ":", "é", "😀", "x", "1.0", "1"), { maxLength: 30 })
  .map((p) => p.join(""));

describe("diffTexts", () => {
  it("identical texts give one equal run and no first difference", () => {
    expect(diffTexts("<|im_user|>hi", "<|im_user|>hi")).toEqual({
      ops: [{ op: "equal", text: "<|im_user|>hi" }],
      identical: true,
      firstDifference: -1,
      coarse: false,
    });
  });

  it("a float printed two ways differs in the number only", () => {
    const d = diffTexts('{"t": 1.0}', '{"t": 1}');
    expect(d.ops).toEqual([
      { op: "equal", text: '{"t": 1' },
      { op: "delete", text: ".0" },
      { op: "equal", text: "}" },
    ]);
    expect(d.firstDifference).toBe(7);
  });

  it("a special token is one piece, so a changed token is replaced whole", () => {
    const d = diffTexts("a<|im_end|>b", "a<|im_user|>b");
    expect(d.ops).toEqual([
      { op: "equal", text: "a" },
      { op: "delete", text: "<|im_end|>" },
      { op: "insert", text: "<|im_user|>" },
      { op: "equal", text: "b" },
    ]);
  });

  it("beyond the edit budget the middle is one delete and one insert", () => {
    const d = diffTexts("p a b c d s", "p w x y z s", 2);
    expect(d.coarse).toBe(true);
    expect(d.ops).toEqual([
      { op: "equal", text: "p " },
      { op: "delete", text: "a b c d" },
      { op: "insert", text: "w x y z" },
      { op: "equal", text: " s" },
    ]);
  });

  it("property: the runs rebuild both texts, never repeat an op, and the edit count is minimal", () => {
    fc.assert(
      fc.property(pieceText, pieceText, (a, b) => {
        const d = diffTexts(a, b);
        expect(side(d.ops, "delete")).toBe(a);
        expect(side(d.ops, "insert")).toBe(b);
        expect(d.identical).toBe(a === b);
        for (let i = 1; i < d.ops.length; i++) expect(d.ops[i]!.op).not.toBe(d.ops[i - 1]!.op);
        const pa = diffPieces(a);
        const pb = diffPieces(b);
        const edits = d.ops.filter((o) => o.op !== "equal").reduce((n, o) => n + diffPieces(o.text).length, 0);
        expect(edits).toBe(pa.length + pb.length - 2 * lcs(pa, pb));
        if (!d.identical) {
          expect(a.slice(0, d.firstDifference)).toBe(b.slice(0, d.firstDifference));
          expect(a[d.firstDifference]).not.toBe(b[d.firstDifference]);
        }
      }),
      { seed: SEED, numRuns: runs(500) },
    );
  });
});
