#!/usr/bin/env node
// Runs before `npm test`: the playground's end-to-end test drives a real Chromium through
// playwright-core, which cannot download a browser here. Use KIMI_K2_CHROMIUM when set, else
// /usr/bin/chromium; when neither exists on a Debian-like machine where we may install packages
// (root, or password-less sudo), install Debian's chromium; otherwise say what to do and fail.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const wanted = process.env.KIMI_K2_CHROMIUM || "/usr/bin/chromium";
if (existsSync(wanted)) process.exit(0);
if (process.env.KIMI_K2_CHROMIUM) {
  console.error(`ensure-chromium: KIMI_K2_CHROMIUM=${wanted} does not exist. Point it at a Chromium or Chrome binary.`);
  process.exit(1);
}
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
const root = typeof process.getuid === "function" && process.getuid() === 0;
const sudo = !root && has("sudo") && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0;
if (!has("apt-get") || (!root && !sudo)) {
  console.error(
    "ensure-chromium: the playground test needs Chromium. Install it (Debian: `apt-get install -y chromium`) " +
      "or set KIMI_K2_CHROMIUM to a Chromium or Chrome binary, then run the tests again.",
  );
  process.exit(1);
}
console.error("ensure-chromium: installing Debian's chromium for the playground's browser test (once)...");
const prefix = sudo ? ["sudo", "-n"] : [];
const run = (args) => execFileSync(prefix[0] ?? args[0], prefix.length ? [...prefix.slice(1), ...args] : args.slice(1), { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
run(["apt-get", "update", "-qq"]);
run(["apt-get", "install", "-y", "-qq", "chromium"]);
if (!existsSync(wanted)) {
  console.error(`ensure-chromium: apt-get finished but ${wanted} is still missing; set KIMI_K2_CHROMIUM to the browser's path.`);
  process.exit(1);
}
