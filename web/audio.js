// Audio for the try page, all in the browser: decode any clip to 48 kHz mono, cut it
// into live-style fragments, convert to and from pcm_s16le, and wrap PCM in a WAV.

export const SAMPLE_RATE_HZ = 48000;
const MAX_FRAGMENT_S = 6;
const MIN_FRAGMENT_S = 4;
const MIN_LAST_FRAGMENT_S = 1;
const QUIET_WINDOW_S = 0.02;

// decodeAudioData resamples to its context's rate; rendering through a one-channel
// context then mixes every channel down.
export async function decodeToMono(encoded) {
  const decoded = await new OfflineAudioContext(1, 1, SAMPLE_RATE_HZ).decodeAudioData(encoded);
  if (decoded.numberOfChannels === 1) return decoded.getChannelData(0);
  const mixer = new OfflineAudioContext(1, decoded.length, SAMPLE_RATE_HZ);
  const source = mixer.createBufferSource();
  source.buffer = decoded;
  source.connect(mixer.destination);
  source.start();
  return (await mixer.startRendering()).getChannelData(0);
}

// Cuts at the quietest 20 ms between 4 and 6 s into each fragment: a cut inside a word
// costs the recognizer that word on both sides. The last fragment is kept at 1 s or
// more, the shortest fragment the protocol expects.
export function fragmentBounds(samples) {
  const max = MAX_FRAGMENT_S * SAMPLE_RATE_HZ;
  const step = Math.round(QUIET_WINDOW_S * SAMPLE_RATE_HZ);
  const bounds = [];
  let start = 0;
  while (samples.length - start > max) {
    const latest = Math.min(start + max, samples.length - MIN_LAST_FRAGMENT_S * SAMPLE_RATE_HZ);
    let cut = latest;
    let quietest = Infinity;
    for (let at = start + MIN_FRAGMENT_S * SAMPLE_RATE_HZ; at + step <= latest; at += step) {
      let energy = 0;
      for (let i = at; i < at + step; i += 1) energy += samples[i] * samples[i];
      if (energy < quietest) {
        quietest = energy;
        cut = at + step / 2;
      }
    }
    bounds.push({ start, end: cut });
    start = cut;
  }
  bounds.push({ start, end: samples.length });
  return bounds;
}

export function toPcmS16le(samples) {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  samples.forEach((sample, i) => {
    const clamped = Math.max(-1, Math.min(1, sample));
    view.setInt16(i * 2, clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff, true);
  });
  return bytes;
}

// String.fromCharCode takes its bytes as arguments, so they go in slices that stay
// under the engine's argument limit.
export function bytesToBase64(bytes) {
  const slice = 0x8000;
  let binary = "";
  for (let i = 0; i < bytes.length; i += slice) binary += String.fromCharCode(...bytes.subarray(i, i + slice));
  return btoa(binary);
}

export function base64ToBytes(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function wavBlob(pcmParts, sampleRateHz, channels) {
  const dataBytes = pcmParts.reduce((total, part) => total + part.length, 0);
  const header = new DataView(new ArrayBuffer(44));
  const text = (offset, value) => [...value].forEach((c, i) => header.setUint8(offset + i, c.charCodeAt(0)));
  text(0, "RIFF");
  header.setUint32(4, 36 + dataBytes, true);
  text(8, "WAVE");
  text(12, "fmt ");
  header.setUint32(16, 16, true);
  header.setUint16(20, 1, true);  // integer PCM
  header.setUint16(22, channels, true);
  header.setUint32(24, sampleRateHz, true);
  header.setUint32(28, sampleRateHz * channels * 2, true);
  header.setUint16(32, channels * 2, true);
  header.setUint16(34, 16, true);
  text(36, "data");
  header.setUint32(40, dataBytes, true);
  return new Blob([header, ...pcmParts], { type: "audio/wav" });
}
