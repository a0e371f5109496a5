// The try page end to end in Chromium on the real dub pipeline: a person picks an
// English clip, it is streamed fragment by fragment, and the page shows what was
// heard, its translation, and a Spanish dubbing as long as the clip.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { DATA_DIR, launchBrowser, openPage, screenshot, startServer } from "./harness.mjs";

// 7.8 s: two fragments, so the page cuts, streams and reassembles.
const CLIP = "astwb_queue-periodic-announce";
const CLIP_PATH = `${DATA_DIR}/speech/en/${CLIP}.wav`;
// 16 kHz mono s16 after a 44-byte header (../shared/data/README.md).
const CLIP_SECONDS = (statSync(CLIP_PATH).size - 44) / (16000 * 2);
const DUB_TIMEOUT_MS = 120000;

function referenceWords(id) {
  const line = readFileSync(`${DATA_DIR}/speech/en/refs.tsv`, "utf8").split("\n").find((l) => l.startsWith(`${id}.wav\t`));
  return line.split("\t")[2].split(" ");
}

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Everything the assertions need, read from the page once the dub is over: the
// error box is filled if it failed, the dubbed player has metadata if it worked.
async function dubOutcome(page) {
  await page.waitForFunction(() => {
    const dubbed = document.getElementById("dubbed-audio");
    return document.getElementById("error").textContent !== ""
      || (dubbed.readyState >= HTMLMediaElement.HAVE_METADATA && Number.isFinite(dubbed.duration));
  }, null, { timeout: DUB_TIMEOUT_MS });
  return page.evaluate(() => ({
    error: document.getElementById("error").textContent,
    transcript: document.getElementById("transcript").textContent,
    translation: document.getElementById("translation").textContent,
    duration: document.getElementById("dubbed-audio").duration,
    statuses: [...document.querySelectorAll("#fragments tbody tr td:nth-child(3) .badge")].map((b) => b.textContent),
    voices: [...document.getElementById("voice").options].map((o) => o.value),
  }));
}

test("dubs a picked English clip and shows the transcript, translation and dubbed audio", async (t) => {
  const { page, problems } = await openPage(browser, `${server.url}/try`);
  await page.setInputFiles("#clip-file", CLIP_PATH);
  await page.locator("#dub-button:enabled").click();

  const outcome = await dubOutcome(page);
  t.diagnostic(`screenshot: ${await screenshot(page, "try-dubbed.png")}`);
  t.diagnostic(`heard: ${outcome.transcript}`);
  t.diagnostic(`translated: ${outcome.translation}`);

  assert.equal(outcome.error, "");
  assert.deepEqual(outcome.statuses.length, 2);
  outcome.statuses.forEach((status) => assert.match(status, /^(success|partial)$/));
  const heard = new Set(outcome.transcript.split(/\s+/));
  const recognised = referenceWords(CLIP).filter((word) => heard.has(word));
  assert.ok(recognised.length >= 5, `too few reference words heard: ${outcome.transcript}`);
  assert.notEqual(outcome.translation.trim(), "");
  assert.ok(Math.abs(outcome.duration - CLIP_SECONDS) < 0.05, `dubbed ${outcome.duration} s, clip ${CLIP_SECONDS} s`);
  // The voice picker is filled from stream:ready's capabilities.
  assert.ok(outcome.voices.includes("spanish_female_1"), `voices: ${outcome.voices}`);
  assert.deepEqual(problems, []);
});
