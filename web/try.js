// The try page: a person's clip goes through the real worker protocol
// (docs/protocol.md §2–3) over socket.io-client, and the Spanish dubbing comes back to be
// read and heard. The page is a browser worker like any other: one stream, fragments
// of up to 6 s as pcm_s16le 48 kHz mono, at most max_inflight outstanding.

import {
  SAMPLE_RATE_HZ, base64ToBytes, bytesToBase64, decodeToMono, fragmentBounds, toPcmS16le, wavBlob,
} from "./audio.js";
import { badge, element, fillTable } from "./dom.js";

const MIN_CLIP_S = 1;
const MAX_CLIP_S = 120;
const MAX_RECORDING_S = 30;
const FORMAT = "pcm_s16le";
const CHANNELS = 1;

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("try-form"), file: $("clip-file"), record: $("record-button"), recordHint: $("record-hint"),
  voice: $("voice"), voiceHint: $("voice-hint"), dub: $("dub-button"),
  progress: $("progress"), status: $("status"), error: $("error"),
  transcript: $("transcript"), translation: $("translation"),
  original: $("original-audio"), dubbed: $("dubbed-audio"), download: $("download"), fragments: $("fragments"),
};

const STATUS_CLASS = { success: "status-ok", partial: "status-warn", failed: "status-bad" };

let clip = null;      // { name, samples: Float32Array at SAMPLE_RATE_HZ }
let recorder = null;  // the MediaRecorder while recording
let running = false;

const countOf = (count, noun) => `${count} ${noun}${count === 1 ? "" : "s"}`;

const formatTime = (samples) => {
  const seconds = samples / SAMPLE_RATE_HZ;
  return `${Math.floor(seconds / 60)}:${(seconds % 60).toFixed(1).padStart(4, "0")}`;
};

function say(message) {
  ui.status.textContent = message;
}

function showError(message) {
  ui.error.textContent = message;
}

const describeServerError = (event) => `${event?.code ?? "ERROR"}: ${event?.message ?? "no message"}`;

// getUserMedia exists only in secure contexts: HTTPS, or the server on localhost.
const canRecord = () => Boolean(navigator.mediaDevices?.getUserMedia && window.MediaRecorder);
const socketIoLoaded = typeof globalThis.io === "function";

function updateControls() {
  ui.dub.disabled = running || recorder !== null || clip === null || !socketIoLoaded;
  ui.file.disabled = running || recorder !== null;
  ui.voice.disabled = running;
  ui.record.disabled = running || !canRecord();
}

// ---- choosing a clip ------------------------------------------------------------

async function useClip(blob, name) {
  showError("");
  clip = null;
  updateControls();
  say(`Decoding ${name}…`);
  try {
    const samples = await decodeToMono(await blob.arrayBuffer());
    const seconds = samples.length / SAMPLE_RATE_HZ;
    if (seconds < MIN_CLIP_S || seconds > MAX_CLIP_S) {
      throw new Error(`it lasts ${seconds.toFixed(1)} s; clips of ${MIN_CLIP_S} s to ${MAX_CLIP_S} s can be dubbed`);
    }
    if (ui.original.src) URL.revokeObjectURL(ui.original.src);
    ui.original.src = URL.createObjectURL(blob);
    clip = { name, samples };
    say(`${name}: ${seconds.toFixed(1)} s, ready to dub.`);
  } catch (error) {
    say("Choose a clip to start.");
    showError(`Cannot use ${name}: ${error.message}`);
  }
  updateControls();
}

async function toggleRecording() {
  if (recorder) {
    recorder.stop();
    return;
  }
  let microphone;
  try {
    microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    showError(`The microphone is not available: ${error.message}`);
    return;
  }
  const chunks = [];
  const started = performance.now();
  const ticker = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    ui.record.textContent = `Stop recording (${Math.floor(seconds)} s)`;
    if (seconds >= MAX_RECORDING_S) recorder.stop();
  }, 250);
  recorder = new MediaRecorder(microphone);
  recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
  recorder.addEventListener("stop", () => {
    clearInterval(ticker);
    microphone.getTracks().forEach((track) => track.stop());
    const blob = new Blob(chunks, { type: recorder.mimeType });
    recorder = null;
    ui.record.textContent = "Record from microphone";
    ui.record.classList.remove("recording");
    ui.recordHint.textContent = "";
    ui.file.value = "";
    useClip(blob, "your recording");
  });
  recorder.start();
  ui.record.textContent = "Stop recording (0 s)";
  ui.record.classList.add("recording");
  ui.recordHint.textContent = `Recording; it stops by itself after ${MAX_RECORDING_S} s.`;
  updateControls();
}

// ---- results on the page --------------------------------------------------------

function fragmentRow(fragment, index) {
  const row = element("tr", {}, [
    element("td", { text: index + 1, className: "num" }),
    element("td", { text: `${formatTime(fragment.start)}–${formatTime(fragment.end)}`, className: "mono nowrap" }),
    element("td", {}, [badge("waiting")]),
    element("td"),
    element("td"),
    element("td", { className: "num" }),
  ]);
  row.cells[4].lang = "es";
  return row;
}

function showFragmentState(index, state) {
  ui.fragments.tBodies[0].rows[index].cells[2].replaceChildren(badge(state, STATUS_CLASS[state]));
}

function showFragmentResult(index, result) {
  const cells = ui.fragments.tBodies[0].rows[index].cells;
  cells[2].replaceChildren(badge(result.status, STATUS_CLASS[result.status]));
  if (result.error) cells[2].append(" ", element("span", { text: describeServerError(result.error), className: "status-bad" }));
  cells[3].textContent = result.transcript ?? "";
  cells[4].textContent = result.translated_text ?? "";
  cells[5].textContent = Number.isFinite(result.processing_time_ms) ? `${result.processing_time_ms} ms` : "";
}

function appendText(target, text) {
  if (!text) return;
  target.textContent = target.textContent ? `${target.textContent} ${text}` : text;
}

function resetResults(fragments) {
  showError("");
  ui.transcript.textContent = "";
  ui.translation.textContent = "";
  ui.progress.value = 0;
  ui.progress.max = fragments.length;
  if (ui.dubbed.src) URL.revokeObjectURL(ui.dubbed.src);
  ui.dubbed.removeAttribute("src");
  ui.dubbed.load();
  ui.download.hidden = true;
  fillTable(ui.fragments, fragments.map(fragmentRow), "");
}

function fillVoices(voices) {
  if (!Array.isArray(voices) || voices.length === 0) return;
  const chosen = ui.voice.value;
  const options = [new Option("Server default", "default"), ...voices.map((voice) => new Option(voice, voice))];
  ui.voice.replaceChildren(...options);
  ui.voice.value = voices.includes(chosen) ? chosen : "default";
  ui.voiceHint.textContent = `${countOf(voices.length, "voice")} on this server.`;
}

// The dubbed fragments in sequence order; a failed one is replaced by silence of its
// original length, so the dubbing stays in step with the original.
function showDubbing(fragments, results) {
  const parts = results.map((result, i) => {
    const audio = result.dubbed_audio;
    if (result.status !== "failed" && audio?.data_base64) return base64ToBytes(audio.data_base64);
    return new Uint8Array((fragments[i].end - fragments[i].start) * CHANNELS * 2);
  });
  const url = URL.createObjectURL(wavBlob(parts, SAMPLE_RATE_HZ, CHANNELS));
  ui.dubbed.src = url;
  ui.download.href = url;
  ui.download.hidden = false;
  // Browsers may refuse to start sound that no click started directly; the player's
  // own controls remain, so a refusal needs no handling.
  ui.dubbed.play().catch(() => {});
}

// ---- the stream -----------------------------------------------------------------

// Resolves with the first `event`; rejects on a server error, a refused connection
// or a lost one, whichever comes first.
function nextEvent(socket, event) {
  return new Promise((resolve, reject) => {
    const handlers = {
      [event]: (payload) => settle(resolve, payload),
      error: (payload) => settle(reject, new Error(describeServerError(payload))),
      connect_error: (error) => settle(reject, new Error(`cannot connect to the server: ${error.message}`)),
      disconnect: (reason) => settle(reject, new Error(`the connection was closed (${reason})`)),
    };
    const settle = (how, value) => {
      Object.entries(handlers).forEach(([name, handler]) => socket.off(name, handler));
      how(value);
    };
    Object.entries(handlers).forEach(([name, handler]) => socket.on(name, handler));
  });
}

function fragmentMessage(streamId, fragment, sequence) {
  const pcm = toPcmS16le(clip.samples.subarray(fragment.start, fragment.end));
  return {
    fragment_id: `${streamId}-${sequence}`,
    stream_id: streamId,
    sequence_number: sequence,
    timestamp: Date.now(),
    audio: {
      format: FORMAT, sample_rate_hz: SAMPLE_RATE_HZ, channels: CHANNELS,
      duration_ms: Math.round(((fragment.end - fragment.start) * 1000) / SAMPLE_RATE_HZ),
      data_base64: bytesToBase64(pcm),
    },
  };
}

// Sends every fragment, never more than maxInflight without a result, holding back
// while the server asks for a pause; resolves with the results in sequence order.
function streamFragments(socket, streamId, fragments, maxInflight) {
  return new Promise((resolve, reject) => {
    const results = new Array(fragments.length);
    let next = 0;
    let outstanding = 0;
    let received = 0;
    let paused = false;

    const sendMore = () => {
      while (!paused && outstanding < maxInflight && next < fragments.length) {
        socket.emit("fragment:data", fragmentMessage(streamId, fragments[next], next));
        showFragmentState(next, "sent");
        next += 1;
        outstanding += 1;
      }
    };
    const pending = (sequence) => sequence >= 0 && sequence < next && !results[sequence];
    const settle = (sequence, result) => {
      if (!pending(sequence)) return;
      results[sequence] = result;
      outstanding -= 1;
      received += 1;
      showFragmentResult(sequence, result);
      appendText(ui.transcript, result.transcript);
      appendText(ui.translation, result.translated_text);
      ui.progress.value = received;
      say(`Dubbing: ${received} of ${countOf(fragments.length, "fragment")} back.`);
      if (received === fragments.length) finish(resolve, results);
      else sendMore();
    };
    const sequenceOf = (fragmentId) => Number(String(fragmentId).slice(streamId.length + 1));

    const handlers = {
      "fragment:ack": (ack) => {
        const sequence = sequenceOf(ack.fragment_id);
        if (pending(sequence)) showFragmentState(sequence, "queued");
      },
      // Failures are shown, not retried (docs/protocol.md §4's backoff is a live worker's
      // duty): a person trying the service sees the error and can press Dub again.
      "fragment:processed": (event) => {
        socket.emit("fragment:ack", { fragment_id: event.fragment_id, status: "received", timestamp: Date.now() });
        settle(event.sequence_number, event);
      },
      // A rejected fragment gets an error instead of an ack and is never processed.
      error: (event) => {
        if (event?.fragment_id === undefined) finish(reject, new Error(describeServerError(event)));
        else settle(sequenceOf(event.fragment_id), { status: "failed", error: event });
      },
      backpressure: (event) => {
        paused = event.action === "pause";
        sendMore();
      },
      disconnect: (reason) => finish(reject, new Error(`the connection was closed (${reason})`)),
    };
    const finish = (how, value) => {
      Object.entries(handlers).forEach(([name, handler]) => socket.off(name, handler));
      how(value);
    };
    Object.entries(handlers).forEach(([name, handler]) => socket.on(name, handler));
    sendMore();
  });
}

async function dub() {
  const fragments = fragmentBounds(clip.samples);
  const voice = ui.voice.value;
  const streamId = `try-${Math.random().toString(36).slice(2, 10)}`;
  resetResults(fragments);
  const started = performance.now();
  say("Connecting…");
  const socket = globalThis.io({ reconnection: false });
  try {
    const ready = nextEvent(socket, "stream:ready");
    socket.emit("stream:init", {
      stream_id: streamId,
      worker_id: "try-page",
      config: {
        source_language: "en", target_language: "es", voice_profile: voice,
        chunk_duration_ms: 6000, sample_rate_hz: SAMPLE_RATE_HZ, channels: CHANNELS, format: FORMAT,
      },
    });
    const { max_inflight: maxInflight, capabilities } = await ready;
    fillVoices(capabilities?.voices);
    say(`Dubbing: 0 of ${countOf(fragments.length, "fragment")} back.`);
    const results = await streamFragments(socket, streamId, fragments, maxInflight ?? 1);

    const complete = nextEvent(socket, "stream:complete");
    socket.emit("stream:end", { stream_id: streamId });
    await complete;
    showDubbing(fragments, results);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    // Counted here rather than taken from stream:complete, which knows nothing of
    // the fragments it rejected.
    const failed = results.filter((result) => result.status === "failed").length;
    say(`Done in ${seconds} s: ${countOf(fragments.length, "fragment")}, ${failed} failed.`
      + `${failed > 0 ? " Silence stands in for the failed ones." : ""} The Spanish dubbing is below.`);
  } finally {
    socket.disconnect();
  }
}

// ---- wiring ---------------------------------------------------------------------

ui.file.addEventListener("change", () => {
  const [file] = ui.file.files;
  if (file) useClip(file, file.name);
});

ui.record.addEventListener("click", toggleRecording);
if (!canRecord()) ui.recordHint.textContent = "Recording needs this page over HTTPS or from localhost.";

ui.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!clip || running) return;
  running = true;
  updateControls();
  try {
    await dub();
  } catch (error) {
    say("The dubbing stopped.");
    showError(error.message);
  } finally {
    running = false;
    updateControls();
  }
});

if (!socketIoLoaded) {
  showError("The Socket.IO client (/vendor/socket.io.min.js) did not load, so nothing can be dubbed.");
}
updateControls();
