// flood: SESSIONS shells each run a large output (`yes`) while the client reads slowly through the ack
// window (docs/protocol.md); then Ctrl-C must reach a prompt quickly, and the broker's RSS may grow only
// a bounded amount per flooding session. Needs a pod with a real shell (not a light echo container).
//   k6 run load-tests/scripts/flood.js -e BROKER=wss://… -e TOKENS=/tmp/tokens.txt -e ADMIN=… -e ADMIN_TOKEN=…
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Gauge, Trend } from 'k6/metrics';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import {
  controlFrame,
  envInt,
  envRequired,
  openSession,
  parsePrometheus,
  readTokens,
  resizeFrame,
  sessionUrl,
  stdinFrame,
  text,
} from './lib/pod-shell.js';

const SESSIONS = envInt('SESSIONS', 20);
const FLOOD_SECONDS = envInt('FLOOD_SECONDS', 10);
/** How fast a "slow" client consumes output (bytes per second, acknowledged every 100 ms). */
const READ_BYTES_PER_SECOND = envInt('READ_BYTES_PER_SECOND', 256 * 1024);
const PROMPT_P95_MS = envInt('PROMPT_P95_MS', 5000);
// The broker's per-session output bound is BACKPRESSURE_LIMIT_BYTES (4 MiB, docs/protocol.md); the rest is
// room for fixed costs, which dominate at small SESSIONS.
const RSS_PER_SESSION_MAX_BYTES = envInt('RSS_PER_SESSION_MAX_BYTES', 8 * 1024 * 1024);
const URL = sessionUrl(envRequired('BROKER', 'the broker, e.g. wss://shell.example.com'));
const ADMIN = envRequired('ADMIN', "the broker's admin base URL").replace(/\/+$/, '');
const ADMIN_TOKEN = envRequired('ADMIN_TOKEN', "the broker's ADMIN_TOKEN");
const tokens = readTokens(envRequired('TOKENS', 'a token file (a pod with a shell)'), SESSIONS);

const ctrlCToPrompt = new Trend('ctrl_c_to_prompt', true);
const floodBytes = new Counter('flood_bytes_received');
const promptReached = new Counter('prompt_reached');
const rssGrowthPerSession = new Gauge('rss_growth_per_session_bytes');

export const options = {
  scenarios: {
    flood: { executor: 'per-vu-iterations', vus: SESSIONS, iterations: 1, maxDuration: `${FLOOD_SECONDS + 120}s` },
  },
  thresholds: {
    ctrl_c_to_prompt: [`p(95)<${PROMPT_P95_MS}`],
    prompt_reached: [`count==${SESSIONS}`],
    rss_growth_per_session_bytes: [`value<${RSS_PER_SESSION_MAX_BYTES}`],
    flood_bytes_received: [`count>${SESSIONS * 64 * 1024}`],
    checks: ['rate==1'],
  },
};

function rss() {
  const res = http.get(`${ADMIN}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET ${ADMIN}/metrics answered ${res.status}`);
  return parsePrometheus(String(res.body)).process_resident_memory_bytes;
}

export function setup() {
  return { rssBefore: rss() };
}

export default function (data) {
  const marker = `DONE${exec.vu.idInTest}`;
  let received = 0;
  let acked = 0;
  let phase = 'starting';
  let interruptedAt = 0;
  let tail = '';
  let reader = null;
  const ws = openSession(URL, tokens[exec.vu.idInTest - 1], {
    hello() {
      ws.send(resizeFrame(120, 40));
      ws.send(controlFrame({ type: 'ack', bytes: 0 }));
      ws.send(stdinFrame('yes\r'));
      phase = 'flooding';
      // The slow reader: acknowledge at most READ_BYTES_PER_SECOND / 10 every 100 ms.
      reader = setInterval(() => {
        const n = Math.min(received - acked, phase === 'flooding' ? Math.floor(READ_BYTES_PER_SECOND / 10) : received);
        if (n > 0) {
          acked += n;
          ws.send(controlFrame({ type: 'ack', bytes: n }));
        }
      }, 100);
      setTimeout(() => {
        // One VU measures the broker at the height of the flood (every session is flooding now).
        if (exec.vu.idInTest === 1) rssGrowthPerSession.add(Math.max(0, rss() - data.rssBefore) / SESSIONS);
        phase = 'interrupted';
        interruptedAt = Date.now();
        ws.send(stdinFrame('\x03'));
        ws.send(stdinFrame(`echo ${marker.slice(0, 4)}''${marker.slice(4)}\r`));
      }, FLOOD_SECONDS * 1000);
    },
    output(bytes) {
      received += bytes.length;
      if (phase === 'flooding') {
        floodBytes.add(bytes.length);
        return;
      }
      // After Ctrl-C the client reads as fast as it can, acknowledging every 32 KiB like <pod-shell> does.
      if (received - acked >= 32768) {
        ws.send(controlFrame({ type: 'ack', bytes: received - acked }));
        acked = received;
      }
      if (phase !== 'interrupted') return;
      // The typed command line shows DONE''N; only the shell's output shows DONEN.
      tail = (tail + text(bytes)).slice(-256);
      if (tail.indexOf(marker) >= 0) {
        phase = 'prompt';
        ctrlCToPrompt.add(Date.now() - interruptedAt);
        promptReached.add(1);
        ws.send(stdinFrame('exit\r'));
      }
    },
    closing(msg) {
      if (phase !== 'prompt')
        console.error(
          `session ${exec.vu.idInTest} closed by the broker while ${phase}: ${msg.code} ${msg.reason}: ${msg.message}`,
        );
    },
    close() {
      if (reader !== null) clearInterval(reader);
      check(phase, { 'Ctrl-C reached a prompt': (p) => p === 'prompt' });
    },
  });
}
