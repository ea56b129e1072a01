/**
 * The built CLI as a user runs it: bundled with tsup into a temporary directory (so the test does
 * not depend on `npm run build` having run), then `demo`, a pipe through `render`/`encode-chat`, and
 * `serve` in front of the replay upstream, driven by the official openai client and stopped with
 * SIGTERM.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReplayUpstream, startReplayUpstream } from "../helpers/replay-upstream.js";
import { ROOT, modelDir } from "../helpers/shared.js";

let outDir: string;
let main: string;
beforeAll(() => {
  // Inside the project (git-ignored .cache/) so the bundle resolves the package's dependencies.
  mkdirSync(join(ROOT, ".cache"), { recursive: true });
  outDir = mkdtempSync(join(ROOT, ".cache", "cli-bin-"));
  execFileSync(join(ROOT, "node_modules", ".bin", "tsup"), ["src/cli/main.ts", "--format", "esm", "--platform", "node", "--target", "node20", "--out-dir", outDir, "--no-config", "--silent"], { cwd: ROOT, stdio: "pipe" });
  main = join(outDir, "main.js");
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const node = (args: string[], input?: string) => execFileSync(process.execPath, [main, ...args], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });

describe("the built kimi-k2 binary", () => {
  it("demo --model-dir DIR (the README's first command) exits 0 with the final message", () => {
    const out = node(["demo", "--model-dir", modelDir()]);
    expect(out).toContain('"id": "functions.get_weather:2"');
  });

  it("exit codes: 2 on a usage error, 1 on bad input", () => {
    const status = (args: string[], input = "") => {
      try {
        node(args, input);
        return 0;
      } catch (e) {
        return (e as { status: number }).status;
      }
    };
    expect(status(["render", "--bogus"])).toBe(2);
    expect(status(["decode", "--model-dir", modelDir()], "not json")).toBe(1);
  });

  it("a reader that goes away early (| head) ends the command quietly with exit 0", async () => {
    // About 1 MB of output: far more than a pipe holds, so writing continues after the reader is gone.
    const request = JSON.stringify({ messages: [{ role: "user", content: "many words ".repeat(20_000) }] });
    const child = spawn(process.execPath, [main, "inspect", "--model-dir", modelDir()], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdin!.end(request);
    let stderr = "";
    child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
    await once(child.stdout!, "data");
    child.stdout!.destroy();
    const [code] = (await once(child, "exit")) as [number];
    expect([code, stderr]).toEqual([0, ""]);
  });

  it("a reader of stderr that goes away early does not stop the output: all of it, exit 0", async () => {
    // 20,000 stray call markers: one diagnostic line each on stderr, far more than a pipe holds.
    const output = "<|tool_call_begin|>x".repeat(20_000);
    const child = spawn(process.execPath, [main, "parse", "--stream"], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdin!.end(output);
    let stdout = "";
    child.stdout!.on("data", (b: Buffer) => (stdout += b.toString()));
    await once(child.stderr!, "data");
    child.stderr!.destroy();
    const [code] = (await once(child, "close")) as [number];
    expect(code).toBe(0);
    expect(stdout.trimEnd().split("\n").pop()).toBe('{"index":0,"delta":{},"finish_reason":"length"}');
  });

  describe("serve", () => {
    let upstream: ReplayUpstream;
    let child: ChildProcess;
    let url: string;
    beforeAll(async () => {
      upstream = await startReplayUpstream();
      child = spawn(process.execPath, [main, "serve", "--upstream", `${upstream.url}/v1`, "--port", "0", "--model-dir", modelDir()], { stdio: ["ignore", "ignore", "pipe"] });
      const lines = createInterface({ input: child.stderr! });
      const [line] = (await once(lines, "line")) as [string];
      url = /listening on (\S+)/.exec(line)![1]!;
    });
    afterAll(() => upstream.close());

    it("answers the openai client with tool calls, then stops on SIGTERM with exit 0", async () => {
      const client = new OpenAI({ baseURL: url, apiKey: "unused", maxRetries: 0 });
      const f = upstream.fixtures.get("parallel-calls")!;
      const res = await client.chat.completions.create({ model: "parallel-calls", ...f.request } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      expect(res.choices[0]!.message.tool_calls?.map((c) => c.id)).toEqual(["functions.get_weather:0", "functions.get_weather:1"]);
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number];
      expect(code).toBe(0);
    });
  });
});
