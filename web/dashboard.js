// The live dashboard: polls GET /status and renders it. Every field may be missing
// (older servers, the echo pipeline, no fragments yet), so each one falls back to a
// dash instead of breaking the page. Stream and worker ids come from clients, so text
// only ever goes in through the helpers of dom.js.

import { badge, element, fillTable } from "./dom.js";

const REFRESH_MS = 1000;
const REQUEST_TIMEOUT_MS = 3000;

const STAGE_ORDER = ["decode", "vad", "asr", "translation", "tts", "duration_match", "encode", "total"];
const STAGE_LABELS = {
  decode: "Decode", vad: "Voice activity", asr: "Speech recognition", translation: "Translation",
  tts: "Speech synthesis", duration_match: "Duration match", encode: "Encode", total: "Total",
};
const ENGINE_LABELS = { asr: "Speech recognition", translation: "Translation", tts: "Speech synthesis" };
const SEVERITY_ORDER = ["low", "medium", "high"];
const SEVERITY_CLASS = { low: "status-ok", medium: "status-warn", high: "status-bad" };
const STATE_CLASS = { active: "status-ok", paused: "status-warn", ending: "status-idle" };

const isNumber = (value) => typeof value === "number" && Number.isFinite(value);
const dash = "—";

function formatMs(ms) {
  if (!isNumber(ms)) return dash;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

function formatDuration(seconds) {
  if (!isNumber(seconds)) return dash;
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

const formatCount = (value) => (isNumber(value) ? value.toLocaleString("en") : dash);

const cell = (content, className) =>
  content instanceof Node ? element("td", { className }, [content]) : element("td", { text: content ?? dash, className });

// Known keys first, in pipeline order, then whatever else the server reports.
const orderedKeys = (object, order) => [
  ...order.filter((key) => key in object),
  ...Object.keys(object).filter((key) => !order.includes(key)),
];

const objectOrEmpty = (value) => (value && typeof value === "object" && !Array.isArray(value) ? value : {});

function setFigure(id, text, detail) {
  const node = document.getElementById(id);
  node.replaceChildren(text);
  if (detail) node.append(" ", element("small", { text: detail }));
}

function renderOverview(status) {
  setFigure("active-streams", formatCount(status.active_streams));
  setFigure("fragments-per-second",
    isNumber(status.fragments_per_second) ? status.fragments_per_second.toFixed(2) : dash);
  setFigure("in-flight", formatCount(status.in_flight));
  setFigure("queued", formatCount(status.queued));

  const connections = objectOrEmpty(status.connections);
  const websocket = connections.websocket ?? 0;
  const polling = connections.polling ?? 0;
  if (isNumber(websocket) && isNumber(polling) && Object.keys(connections).length > 0) {
    setFigure("connections", formatCount(websocket + polling), `${websocket} ws · ${polling} polling`);
  } else {
    setFigure("connections", dash);
  }

  const fragments = objectOrEmpty(status.fragments);
  const counts = ["success", "partial", "failed"].map((key) => fragments[key] ?? 0);
  if (counts.every(isNumber) && Object.keys(fragments).length > 0) {
    const [success, partial, failed] = counts;
    setFigure("fragments-done", formatCount(success + partial + failed), `${partial} partial · ${failed} failed`);
    document.getElementById("fragments-done").classList.toggle("status-bad", failed > 0);
  } else {
    setFigure("fragments-done", dash);
  }

  setFigure("pipeline", status.pipeline ?? dash);
  setFigure("uptime", formatDuration(status.uptime_s));
  document.getElementById("server-version").textContent = status.version ? `v${status.version}` : "";
}

function renderStreams(status) {
  const streams = Array.isArray(status.streams) ? status.streams.map(objectOrEmpty) : [];
  const rows = streams.map((stream) => {
    const row = element("tr", {}, [
      cell(stream.stream_id, "mono id"),
      cell(stream.worker_id, "mono id"),
      cell(stream.state ? badge(stream.state, STATE_CLASS[stream.state]) : dash),
      cell(stream.source_language && stream.target_language
        ? `${stream.source_language} → ${stream.target_language}` : dash),
      cell(stream.voice_profile),
      cell(stream.format, "mono"),
      cell(formatCount(stream.delivered), "num"),
      cell(formatCount(stream.in_flight), "num"),
      cell(stream.backpressure ? badge(stream.backpressure, SEVERITY_CLASS[stream.backpressure]) : dash),
      cell(formatMs(stream.last_processing_ms), "num"),
      cell(formatDuration(stream.age_s), "num"),
    ]);
    if (stream.stream_id !== undefined) row.dataset.streamId = String(stream.stream_id);
    return row;
  });
  fillTable(document.getElementById("streams"), rows, "No active streams");
  document.title = `STS dashboard (${streams.length} stream${streams.length === 1 ? "" : "s"})`;
}

function renderStages(status) {
  const stages = objectOrEmpty(status.stages);
  const keys = orderedKeys(stages, STAGE_ORDER);
  const slowest = Math.max(0, ...keys.map((key) => objectOrEmpty(stages[key]).p95_ms).filter(isNumber));
  const rows = keys.map((key) => {
    const { p50_ms: p50, p95_ms: p95 } = objectOrEmpty(stages[key]);
    const bar = element("div", { className: "bar" }, [element("span")]);
    bar.firstChild.style.width = isNumber(p95) && slowest > 0 ? `${(100 * p95) / slowest}%` : "0";
    const p95Cell = element("td", { className: "num" }, [formatMs(p95), bar]);
    const className = key === "total" ? "total" : undefined;
    return element("tr", { className }, [cell(STAGE_LABELS[key] ?? key), cell(formatMs(p50), "num"), p95Cell]);
  });
  fillTable(document.getElementById("stages"), rows, "No fragments processed recently");
}

function renderErrors(status) {
  const errors = objectOrEmpty(status.errors);
  const rows = Object.entries(errors)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([code, count]) => element("tr", {}, [
      cell(code, "mono"),
      cell(formatCount(count), `num ${count > 0 ? "status-bad" : ""}`),
    ]));
  fillTable(document.getElementById("errors"), rows, "No errors since start");
}

function renderBackpressure(status) {
  const events = objectOrEmpty(status.backpressure);
  const rows = orderedKeys(events, SEVERITY_ORDER).map((severity) => {
    const count = events[severity];
    const alarming = severity !== "low" && count > 0;
    return element("tr", {}, [
      cell(badge(severity, SEVERITY_CLASS[severity])),
      cell(formatCount(count), `num ${alarming ? SEVERITY_CLASS[severity] : ""}`),
    ]);
  });
  fillTable(document.getElementById("backpressure"), rows, "No backpressure events");
}

function renderEngines(status) {
  const engines = objectOrEmpty(status.engines);
  const rows = orderedKeys(engines, Object.keys(ENGINE_LABELS)).map((key) => {
    const engine = objectOrEmpty(engines[key]);
    const readiness = engine.ready === true ? [badge("ready", "status-ok")]
      : engine.ready === false ? [badge("not ready", "status-bad")] : [dash];
    // A remote engine that stopped answering says why.
    if (engine.detail) readiness.push(" ", element("span", { text: engine.detail, className: "muted" }));
    return element("tr", {}, [
      cell(ENGINE_LABELS[key] ?? key),
      cell(engine.engine, "mono"),
      cell(engine.model, "mono"),
      element("td", {}, readiness),
    ]);
  });
  const pipeline = status.pipeline ? `the ${status.pipeline} pipeline uses no models` : "No engines reported";
  fillTable(document.getElementById("engines"), rows, pipeline);
}

function render(status) {
  renderOverview(status);
  renderStreams(status);
  renderStages(status);
  renderErrors(status);
  renderBackpressure(status);
  renderEngines(status);
}

// The indicator is a live region, so its text changes only when the state does;
// the time of the last update goes in its tooltip rather than being announced.
function showConnection(live, detail) {
  const indicator = document.getElementById("connection");
  const text = live ? "Live" : "Offline, retrying";
  if (indicator.textContent !== text) indicator.textContent = text;
  indicator.className = `live ${live ? "status-ok" : "status-bad"}`;
  indicator.title = detail;
  document.body.classList.toggle("stale", !live);
}

async function refresh() {
  try {
    const response = await fetch("/status", { cache: "no-store", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`GET /status answered ${response.status}`);
    render(await response.json());
    showConnection(true, `Updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    showConnection(false, error.message);
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
