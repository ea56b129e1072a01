import { defineConfig, type Options } from "tsup";

/** The library, its subpath entries and the CLI, for Node. */
const library: Options = {
  entry: {
    index: "src/index.ts",
    "tokenizer/index": "src/tokenizer/index.ts",
    "template/index": "src/template/index.ts",
    "toolcalls/index": "src/toolcalls/index.ts",
    "server/index": "src/server/index.ts",
    "cli/main": "src/cli/main.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  target: "node20",
  platform: "node",
  // Keep `node:fs` rather than `fs`: Deno, Bun and edge bundlers recognise the prefixed form.
  removeNodeProtocol: false,
  // dist/playground is the other build's output: both builds run at once.
  clean: ["!playground/**"],
  sourcemap: true,
  splitting: true,
  treeshake: true,
};

/**
 * The playground page for browsers: one self-contained script (every dependency bundled, nothing
 * from a CDN), its stylesheet, and `index.html` copied from `src/playground/page/static`.
 * `kimi-k2 playground` serves this folder; the end-to-end test builds it into a temporary folder.
 */
export const playgroundPage: Options = {
  entry: { app: "src/playground/page/main.ts" },
  outDir: "dist/playground",
  format: ["esm"],
  platform: "browser",
  target: "es2022",
  dts: false,
  clean: true,
  sourcemap: true,
  splitting: false,
  minify: true,
  noExternal: [/.*/],
  publicDir: "src/playground/page/static",
};

export default defineConfig([library, playgroundPage]);
