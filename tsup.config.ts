import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "tokenizer/index": "src/tokenizer/index.ts",
    "template/index": "src/template/index.ts",
    "toolcalls/index": "src/toolcalls/index.ts",
    "cli/main": "src/cli/main.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  target: "node20",
  platform: "node",
  clean: true,
  sourcemap: true,
  splitting: true,
  treeshake: true,
});
