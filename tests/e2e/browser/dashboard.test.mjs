// The dashboard in Chromium: a worker streams programme audio (echo pipeline) and
// sends one malformed fragment; the page's live view shows the stream, its
// deliveries and the rejection.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { io } from "socket.io-client";
import { DATA_DIR, launchBrowser, openPage, screenshot, startServer } from "./harness.mjs";

const STREAM_ID = "dashboard-test-stream";
const WORKER_ID = "dashboard-test-worker";
const FRAGMENTS = 3;
const EVENT_TIMEOUT_MS = 20000;

let server;
let browser;
let worker;

before(async () => {
  server = await startServer({ STS_PIPELINE: "echo" });
  browser = await launchBrowser();
});

after(async () => {
  worker?.disconnect();
  await browser?.close();
  await server?.stop();
});

function nextEvent(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${EVENT_TIMEOUT_MS} ms`)), EVENT_TIMEOUT_MS);
    socket.once(event, (payload) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

// A worker like the production one (websocket only) that leaves its stream open, so
// it stays on the dashboard, after FRAGMENTS deliveries and one rejection.
async function runWorker(url) {
  const manifest = JSON.parse(readFileSync(`${DATA_DIR}/program/manifest.json`, "utf8"));
  const socket = io(url, { transports: ["websocket"], reconnection: false });
  await nextEvent(socket, "connect");
  socket.emit("stream:init", {
    stream_id: STREAM_ID,
    worker_id: WORKER_ID,
    config: { source_language: "en", target_language: "es", voice_profile: "spanish_female_1",
              chunk_duration_ms: 6000, sample_rate_hz: 48000, channels: 2, format: "pcm_s16le" },
  });
  await nextEvent(socket, "stream:ready");

  const delivered = new Promise((resolve) => {
    let count = 0;
    socket.on("fragment:processed", () => {
      count += 1;
      if (count === FRAGMENTS) resolve();
    });
  });
  const audio = (format, duration_ms, data_base64) => ({ format, sample_rate_hz: 48000, channels: 2, duration_ms, data_base64 });
  for (let index = 0; index < FRAGMENTS; index += 1) {
    const pcm = readFileSync(`${DATA_DIR}/program/frag_${String(index).padStart(3, "0")}.s16`);
    socket.emit("fragment:data", {
      fragment_id: `f${index}`, stream_id: STREAM_ID, sequence_number: index, timestamp: Date.now(),
      audio: audio("pcm_s16le", manifest.fragments[index].duration_ms, pcm.toString("base64")),
    });
  }
  await delivered;

  const rejected = nextEvent(socket, "error");
  socket.emit("fragment:data", {
    fragment_id: "malformed", stream_id: STREAM_ID, sequence_number: FRAGMENTS, timestamp: Date.now(),
    audio: audio("pcm_s16le", 250, readFileSync(`${DATA_DIR}/bad/invalid_base64.txt`, "utf8")),
  });
  assert.equal((await rejected).code, "INVALID_FRAGMENT");
  return socket;
}

test("shows a worker's open stream, its deliveries and the rejections by code", async (t) => {
  worker = await runWorker(server.url);
  const { page, problems } = await openPage(browser, `${server.url}/`);

  // The table is refreshed from /status every second: wait for the figures the
  // worker produced rather than for the first refresh.
  await page.waitForFunction(({ streamId, fragments }) => {
    const row = document.querySelector(`#streams tbody tr[data-stream-id="${streamId}"]`);
    const errors = document.querySelector("#errors tbody").textContent;
    return row?.cells[6].textContent === String(fragments) && errors.includes("INVALID_FRAGMENT");
  }, { streamId: STREAM_ID, fragments: FRAGMENTS });
  t.diagnostic(`screenshot: ${await screenshot(page, "dashboard-stream.png")}`);

  const row = page.locator(`#streams tbody tr[data-stream-id="${STREAM_ID}"]`);
  const cells = await row.locator("td").allTextContents();
  assert.equal(cells[0], STREAM_ID);
  assert.equal(cells[1], WORKER_ID);
  assert.equal(cells[2], "active");
  assert.equal(cells[3], "en → es");
  assert.equal(cells[4], "spanish_female_1");
  assert.equal(cells[5], "pcm_s16le");
  const errorRow = page.locator("#errors tbody tr", { hasText: "INVALID_FRAGMENT" });
  assert.equal(await errorRow.locator("td").nth(1).textContent(), "1");
  assert.equal(await page.textContent("#active-streams"), "1");
  assert.equal(await page.textContent("#pipeline"), "echo");
  assert.equal(await page.textContent("#connection"), "Live");
  assert.deepEqual(problems, []);
});
