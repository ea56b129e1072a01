/**
 * The playground server and the `kimi-k2 playground` command: what is served, what is refused
 * (paths outside the fixed table, other hosts, other methods), and the command's lifecycle.
 * A stand-in page (two small files) is enough here: the real page is tested in
 * test/playground.test.ts.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KimiK2Error } from "../../src/errors.js";
import { startPlaygroundServer, type PlaygroundServer } from "../../src/playground/server.js";
import { ROOT, modelDir } from "../helpers/shared.js";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw HTTP request: the path goes out exactly as written (no URL normalisation of `..`). */
function get(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

let scratch: string;
let assets: string;
let server: PlaygroundServer;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "kimi-playground-server-"));
  assets = join(scratch, "page");
  mkdirSync(join(assets, "nested"), { recursive: true });
  writeFileSync(join(assets, "index.html"), "<!doctype html><title>stand-in</title>");
  writeFileSync(join(assets, "app.js"), "console.log('stand-in');");
  writeFileSync(join(assets, "app.css"), "body{}");
  writeFileSync(join(assets, ".hidden"), "secret");
  writeFileSync(join(assets, "nested", "deep.js"), "deep");
  writeFileSync(join(scratch, "outside.txt"), "outside");
  server = await startPlaygroundServer({ modelDir: modelDir(), assetsDir: assets, port: 0 });
});

afterAll(async () => {
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("what the playground server serves", () => {
  it("serves the page at / with a policy that forbids loading anything from elsewhere", async () => {
    const a = await get(server.port, "/");
    expect(a.status).toBe(200);
    expect(a.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(a.body.toString()).toBe("<!doctype html><title>stand-in</title>");
    expect(a.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it("serves the page's files under /assets/ with their types", async () => {
    const js = await get(server.port, "/assets/app.js");
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.body.toString()).toBe("console.log('stand-in');");
    expect((await get(server.port, "/assets/app.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("serves the model directory's tiktoken.model byte for byte", async () => {
    const a = await get(server.port, "/model/tiktoken.model");
    expect(a.status).toBe(200);
    expect(a.headers["content-type"]).toBe("application/octet-stream");
    expect(a.body.equals(readFileSync(join(modelDir(), "tiktoken.model")))).toBe(true);
  });

  it("answers a repeated vocabulary request with 304 when the file did not change", async () => {
    const first = await get(server.port, "/model/tiktoken.model", { method: "HEAD" });
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^".+"$/);
    const again = await get(server.port, "/model/tiktoken.model", { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it("serves the model directory's chat_template.jinja", async () => {
    const a = await get(server.port, "/model/chat_template.jinja");
    expect(a.status).toBe(200);
    expect(a.body.toString("utf8")).toBe(readFileSync(join(modelDir(), "chat_template.jinja"), "utf8"));
  });
});

describe("what the playground server refuses", () => {
  const refused = [
    "/assets/../package.json",
    "/assets/..%2f..%2fpackage.json",
    "/assets/%2e%2e/outside.txt",
    "/assets/nested/deep.js",
    "/assets/.hidden",
    "/assets/",
    "/model/README.md",
    "/model/SHA256SUMS",
    "/model/..%2ftiktoken.model",
    "/model/tiktoken.model/",
    "/model/./tiktoken.model",
    "//etc/passwd",
    "/../../../../etc/passwd",
    "/outside.txt",
    "/package.json",
  ];
  for (const path of refused) {
    it(`404 for ${path}`, async () => {
      const a = await get(server.port, path);
      expect(a.status).toBe(404);
      expect(a.body.toString()).toBe("not found\n");
    });
  }

  it("405 for a POST", async () => {
    const a = await get(server.port, "/", { method: "POST" });
    expect(a.status).toBe(405);
    expect(a.headers.allow).toBe("GET, HEAD");
  });

  it("403 for a request addressed to another host name (DNS rebinding)", async () => {
    const a = await get(server.port, "/model/tiktoken.model", { headers: { Host: `attacker.example:${server.port}` } });
    expect(a.status).toBe(403);
    expect((await get(server.port, "/", { headers: { Host: `localhost:${server.port}` } })).status).toBe(200);
  });
});

describe("model directories", () => {
  it("404 for the template when the checkpoint ships none", async () => {
    const dir = join(scratch, "vocab-only");
    mkdirSync(dir);
    symlinkSync(join(modelDir(), "tiktoken.model"), join(dir, "tiktoken.model"));
    const s = await startPlaygroundServer({ modelDir: dir, assetsDir: assets, port: 0 });
    try {
      const a = await get(s.port, "/model/chat_template.jinja");
      expect(a.status).toBe(404);
      expect(a.body.toString()).toBe("this model directory ships no chat template\n");
      expect((await get(s.port, "/model/tiktoken.model")).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it("serves the chat_template field of tokenizer_config.json when there is no chat_template.jinja", async () => {
    const dir = join(scratch, "config-template");
    mkdirSync(dir);
    symlinkSync(join(modelDir(), "tiktoken.model"), join(dir, "tiktoken.model"));
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ chat_template: "{{ messages[0].content }}" }));
    const s = await startPlaygroundServer({ modelDir: dir, assetsDir: assets, port: 0 });
    try {
      expect((await get(s.port, "/model/chat_template.jinja")).body.toString()).toBe("{{ messages[0].content }}");
      expect((await get(s.port, "/model/tokenizer_config.json")).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it("refuses to start without a vocabulary, saying where it looked", async () => {
    const dir = join(scratch, "empty-model");
    mkdirSync(dir);
    const e = await startPlaygroundServer({ modelDir: dir, assetsDir: assets, port: 0 }).catch((x: unknown) => x);
    expect(KimiK2Error.isInstance(e) && e.code).toBe("model_files_not_found");
    expect((e as Error).message).toContain(`tiktoken.model not found in ${dir}`);
  });

  it("refuses to start without a built page", async () => {
    const e = await startPlaygroundServer({ modelDir: modelDir(), assetsDir: join(scratch, "nested-missing"), port: 0 }).catch((x: unknown) => x);
    expect(KimiK2Error.isInstance(e) && e.code).toBe("playground_not_built");
    expect((e as Error).message).toContain("npm run build");
  });
});

/** Runs the CLI from the sources. */
function cli(args: string[]) {
  return spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
}

function finished(child: ReturnType<typeof cli>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("kimi-k2 playground", () => {
  it("prints its address, serves the page until SIGTERM, then exits 0", async () => {
    const child = cli(["playground", "--model-dir", modelDir(), "--port", "0", "--assets-dir", assets]);
    const done = finished(child);
    const url = await new Promise<string>((resolve, reject) => {
      let seen = "";
      child.stdout!.on("data", (c: Buffer) => {
        seen += c.toString();
        const m = /Kimi K2 playground: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen);
        if (m) resolve(m[1]!);
      });
      child.on("close", () => reject(new Error(`the command exited before printing its address: ${seen}`)));
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("<!doctype html><title>stand-in</title>");
    child.kill("SIGTERM");
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`model directory: ${modelDir()}`);
    expect(result.stderr).toBe("");
  });

  it("exits 2 on a port that is not a number", async () => {
    const result = await finished(cli(["playground", "--port", "http"]));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port must be an integer from 0 to 65535 (0 picks a free port), got "http"');
  });

  it("exits 1 with a clear message when the model directory does not exist", async () => {
    const missing = join(scratch, "no-such-dir");
    const result = await finished(cli(["playground", "--model-dir", missing, "--port", "0", "--assets-dir", assets]));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`model directory ${missing} does not exist`);
  });

  it("exits 1 naming the port when it is taken", async () => {
    const result = await finished(cli(["playground", "--model-dir", modelDir(), "--port", String(server.port), "--assets-dir", assets]));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${server.port} (EADDRINUSE)`);
  });
});
