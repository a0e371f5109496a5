// The try page end to end in Chromium on the real dub pipeline: a person picks (or
// records) an English clip, it is streamed fragment by fragment, and the page shows
// what was heard, its translation, and a Spanish dubbing as long as the clip.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { DATA_DIR, launchBrowser, openPage, screenshot, startServer } from "./harness.mjs";

// 7.8 s: two fragments, so the page cuts, streams and reassembles.
const PICKED_CLIP = "astwb_queue-periodic-announce";
// 9 s, played in a loop by Chromium's fake microphone.
const RECORDED_CLIP = "astwb_tt-allbusy";
const clipPath = (id) => `${DATA_DIR}/speech/en/${id}.wav`;
// Long enough for two fragments, so the recording is cut and reassembled.
const RECORDING_SECONDS = 7;
const DUB_TIMEOUT_MS = 120000;

function referenceWords(id) {
  const line = readFileSync(`${DATA_DIR}/speech/en/refs.tsv`, "utf8").split("\n").find((l) => l.startsWith(`${id}.wav\t`));
  return line.split("\t")[2].split(" ");
}

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
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

function assertDubbed(outcome, clip) {
  assert.equal(outcome.error, "");
  assert.ok(outcome.statuses.length > 0);
  outcome.statuses.forEach((status) => assert.match(status, /^(success|partial)$/));
  const heard = new Set(outcome.transcript.split(/\s+/));
  const recognized = referenceWords(clip).filter((word) => heard.has(word));
  assert.ok(recognized.length >= 3, `too few of the clip's words heard: "${outcome.transcript}"`);
  assert.notEqual(outcome.translation.trim(), "");
}

test("dubs a picked English clip and shows the transcript, translation and dubbed audio", async (t) => {
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const { page, problems } = await openPage(browser, `${server.url}/try`);
  await page.setInputFiles("#clip-file", clipPath(PICKED_CLIP));
  await page.locator("#dub-button:enabled").click();

  const outcome = await dubOutcome(page);
  t.diagnostic(`screenshot: ${await screenshot(page, "try-picked-clip.png")}`);
  t.diagnostic(`heard: ${outcome.transcript}`);
  t.diagnostic(`translated: ${outcome.translation}`);

  assertDubbed(outcome, PICKED_CLIP);
  assert.equal(outcome.statuses.length, 2);
  // 16 kHz mono s16 after a 44-byte header (scripts/test_data.py).
  const clipSeconds = (statSync(clipPath(PICKED_CLIP)).size - 44) / (16000 * 2);
  assert.ok(Math.abs(outcome.duration - clipSeconds) < 0.05, `dubbed ${outcome.duration} s, clip ${clipSeconds} s`);
  // The voice picker is filled from stream:ready's capabilities.
  assert.ok(outcome.voices.includes("spanish_female_1"), `voices: ${outcome.voices}`);
  assert.deepEqual(problems, []);
});

test("dubs a clip recorded from the microphone", async (t) => {
  const browser = await launchBrowser([
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${clipPath(RECORDED_CLIP)}`,
  ]);
  t.after(() => browser.close());
  const { page, problems } = await openPage(browser, `${server.url}/try`);
  await page.click("#record-button");
  // The button counts the recorded seconds; the recording stops once it shows enough.
  await page.waitForFunction((seconds) => {
    const counted = /\((\d+) s\)/.exec(document.getElementById("record-button").textContent);
    return counted && Number(counted[1]) >= seconds;
  }, RECORDING_SECONDS);
  await page.click("#record-button");
  await page.locator("#dub-button:enabled").click();

  const outcome = await dubOutcome(page);
  t.diagnostic(`screenshot: ${await screenshot(page, "try-recorded-clip.png")}`);
  t.diagnostic(`heard: ${outcome.transcript}`);

  // What was heard is not asserted here: on a loaded machine Chromium's fake device
  // has delivered a whole recording of silence (seen twice in ctest -j2 runs, never
  // alone). The picked-clip test holds the words; this one the recording path.
  assert.equal(outcome.error, "");
  assert.ok(outcome.statuses.length >= 2, `fragments: ${outcome.statuses}`);
  outcome.statuses.forEach((status) => assert.match(status, /^(success|partial)$/));
  assert.ok(outcome.duration >= RECORDING_SECONDS, `dubbed ${outcome.duration} s`);
  assert.deepEqual(problems, []);
});
