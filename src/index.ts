export * from "./errors.js";
export * from "./special-tokens.js";
export * from "./model-files.js";
export * from "./download.js";
export * from "./tokenizer/index.js";
export * from "./template/index.js";
export * from "./toolcalls/index.js";
export * from "./load-tokenizer.js";
