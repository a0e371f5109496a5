// A browser-style worker: socket.io-client 4.8.1 with its default transports
// (HTTP long-polling first, then the upgrade to websocket) runs a whole stream on
// real programme audio against the real server.
//
//   STS_CONTRACT_SERVER=build/dev/tests/sts-contract-server node --test tests/contract/

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DATA_DIR = process.env.STS_DATA_DIR ?? `${REPO_ROOT}/test-data`;
const SERVER = process.env.STS_CONTRACT_SERVER;
const EVENT_TIMEOUT_MS = 20000;

let child;
let url;

before(async () => {
  if (!SERVER) return;
  child = spawn(SERVER, ["--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, STS_PIPELINE: "echo", STREAM_CLOSE_DELAY_MS: "200", LOG_LEVEL: "warning" },
  });
  url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /listening on port (\d+)/.exec(out);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
});

// SIGTERM, so a coverage build writes its counters as the server exits.
after(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
  await exited;
  clearTimeout(timer);
});

function once(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${EVENT_TIMEOUT_MS} ms`)), EVENT_TIMEOUT_MS);
    socket.once(event, (data) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

test("happy path over polling then websocket", { skip: !SERVER && "set STS_CONTRACT_SERVER" }, async () => {
  const manifest = JSON.parse(readFileSync(`${DATA_DIR}/program/manifest.json`, "utf8"));
  const socket = io(url, { reconnection: false });
  // The engine opens over polling; the upgrade may finish before "connect" fires.
  assert.equal(socket.io.engine.transport.name, "polling");
  const upgraded = once(socket.io.engine, "upgrade");
  await once(socket, "connect");

  const stream_id = "browser-stream";
  socket.emit("stream:init", {
    stream_id,
    worker_id: "browser",
    config: { source_language: "en", target_language: "es", voice_profile: "spanish_female_1",
              chunk_duration_ms: 6000, sample_rate_hz: 48000, channels: 2, format: "m4a" },
  });
  const ready = await once(socket, "stream:ready");
  assert.equal(ready.stream_id, stream_id);
  const transport = await upgraded;
  assert.equal(transport.name, "websocket");

  const acks = [];
  const processed = [];
  socket.on("fragment:ack", (ack) => acks.push(ack));
  socket.on("fragment:processed", (event) => processed.push(event));
  [0, 1, 2].forEach((index) => {
    const audio = readFileSync(`${DATA_DIR}/program/frag_${String(index).padStart(3, "0")}.m4a`);
    socket.emit("fragment:data", {
      fragment_id: `f${index}`, stream_id, sequence_number: index, timestamp: Date.now(),
      audio: { format: "m4a", sample_rate_hz: 48000, channels: 2,
               duration_ms: manifest.fragments[index].duration_ms, data_base64: audio.toString("base64") },
    });
  });
  socket.emit("stream:end", { stream_id });
  const complete = await once(socket, "stream:complete");
  const closed = once(socket, "disconnect");

  assert.deepEqual(acks.map((a) => a.fragment_id), ["f0", "f1", "f2"]);
  assert.deepEqual(processed.map((p) => p.sequence_number), [0, 1, 2]);
  processed.forEach((p, i) => {
    assert.equal(p.status, "success");
    assert.equal(p.dubbed_audio.format, "m4a");
    // Re-encoded, so not the same bytes: an MP4 (M4A) of the same length.
    const dubbed = Buffer.from(p.dubbed_audio.data_base64, "base64");
    assert.equal(dubbed.toString("latin1", 4, 12), "ftypM4A ");
    assert.equal(p.dubbed_audio.duration_ms, manifest.fragments[i].duration_ms);
  });
  assert.equal(complete.total_fragments, 3);
  assert.equal(complete.success_count, 3);
  assert.equal(await closed, "io server disconnect");
});
