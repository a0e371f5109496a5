// What the browser tests share: the real server on a free port, headless Debian
// Chromium driven by playwright-core, and a folder for the screenshots they keep.
//
//   STS_SERVER=build/dev/src/app/sts-server STS_DATA_DIR=test-data \
//   STS_ARTIFACTS_DIR=/tmp/browser-artifacts node --test tests/e2e/browser/
//
// The server reads the pages from WEB_ROOT when it is set in the environment (pages
// from another checkout), else from this repository's web/.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const DATA_DIR = process.env.STS_DATA_DIR ?? join(REPO_ROOT, "test-data");
const ARTIFACTS_DIR = process.env.STS_ARTIFACTS_DIR ?? join(tmpdir(), "sts-browser-artifacts");
const CHROMIUM = "/usr/bin/chromium";
// The dub pipeline loads its models and warms its translators before it listens.
const SERVER_START_TIMEOUT_MS = 60000;

// Starts sts-server on a free port; `env` adds to (and wins over) this process's.
export async function startServer(env = {}) {
  const binary = process.env.STS_SERVER;
  if (!binary) throw new Error("STS_SERVER must name the sts-server binary (ctest sets it)");
  const child = spawn(binary, ["--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LOG_LEVEL: "warning", ...env },
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${binary} did not listen within ${SERVER_START_TIMEOUT_MS} ms`)),
      SERVER_START_TIMEOUT_MS);
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /listening on port (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${binary} exited with ${code} before listening`));
    });
  });
  return {
    url,
    // SIGTERM, as an orchestrator would; a coverage build writes its counters at exit.
    stop: async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// CI fails here rather than skipping: scripts/setup.sh installs Debian's chromium.
// No sandbox: CI runs as root in containers, where Chromium's sandbox cannot start,
// and the only pages loaded are our own.
export async function launchBrowser(args = []) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; scripts/setup.sh installs Debian's chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", ...args] });
}

// A page that records what went wrong in it: uncaught exceptions, console errors
// and failed loads, which the tests require to stay empty. Requests the page itself
// abandons (ERR_ABORTED: a long-poll cut short by the upgrade or the disconnect) are
// not failures.
export async function openPage(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const problems = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("requestfailed", (request) => {
    const reason = request.failure()?.errorText;
    if (reason !== "net::ERR_ABORTED") problems.push(`failed: ${request.url()} ${reason}`);
  });
  await page.goto(url);
  return { page, problems };
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
