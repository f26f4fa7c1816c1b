// capacity: how many concurrent TTY sessions one broker replica holds, and how fast it still echoes.
// Ramps to SESSIONS sessions, holds them HOLD_SECONDS; every session types a key every KEY_EVERY_MS and
// records the echo round trip. Run with k6 or the pod-shell runner (load-tests/README.md):
//   k6 run load-tests/scripts/capacity.js -e BROKER=wss://shell.example.com -e TOKENS=/tmp/tokens.txt -e SESSIONS=5000
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'k6/timers';
import { envInt, envRequired, openSession, readTokens, sessionUrl, stdinFrame } from './lib/pod-shell.js';

const SESSIONS = envInt('SESSIONS', 5000);
const RAMP_SECONDS = envInt('RAMP_SECONDS', Math.max(10, Math.ceil(SESSIONS / 100)));
const HOLD_SECONDS = envInt('HOLD_SECONDS', 60);
const KEY_EVERY_MS = envInt('KEY_EVERY_MS', 3000);
const ECHO_P95_MS = envInt('ECHO_P95_MS', 50);
const URL = sessionUrl(envRequired('BROKER', 'the broker, e.g. wss://shell.example.com'));
const tokens = readTokens(
  envRequired('TOKENS', 'a token file from pod-shell-broker token … --count N --out FILE'),
  SESSIONS,
);

const echoRtt = new Trend('echo_rtt', true);
const sessionsOpened = new Counter('sessions_opened');
const sessionOpenOk = new Rate('session_open_ok');
const closedByBroker = new Counter('closed_by_broker');

export const options = {
  scenarios: {
    capacity: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: `${RAMP_SECONDS}s`, target: SESSIONS },
        { duration: `${HOLD_SECONDS}s`, target: SESSIONS },
      ],
      gracefulRampDown: '30s',
      gracefulStop: '30s',
    },
  },
  thresholds: {
    echo_rtt: [`p(95)<${ECHO_P95_MS}`],
    sessions_opened: [`count>=${SESSIONS}`],
    session_open_ok: ['rate==1'],
    closed_by_broker: ['count==0'],
    checks: ['rate==1'],
  },
};

/** Every session is held until the end of the hold stage, whenever its VU started. */
export function setup() {
  return { endAt: Date.now() + (RAMP_SECONDS + HOLD_SECONDS) * 1000 };
}

export default function (data) {
  if (Date.now() >= data.endAt) return;
  const token = tokens[exec.scenario.iterationInTest % tokens.length];
  let opened = false;
  let leaving = false;
  let sentAt = 0;
  let typing = null;
  let ending = null;
  const ws = openSession(URL, token, {
    hello() {
      opened = true;
      sessionsOpened.add(1);
      sessionOpenOk.add(true);
      // Spread the keystrokes so the sessions do not type in lock step.
      const first = setTimeout(
        () => {
          typing = setInterval(() => {
            sentAt = Date.now();
            ws.send(stdinFrame('k'));
          }, KEY_EVERY_MS);
        },
        Math.floor(Math.random() * KEY_EVERY_MS),
      );
      ending = setTimeout(
        () => {
          leaving = true;
          clearTimeout(first);
          if (typing !== null) clearInterval(typing);
          ws.close();
        },
        Math.max(0, data.endAt - Date.now()),
      );
    },
    output() {
      if (sentAt === 0) return;
      echoRtt.add(Date.now() - sentAt);
      sentAt = 0;
    },
    closing(msg) {
      if (leaving) return;
      closedByBroker.add(1);
      console.error(`session closed by the broker: ${msg.code} ${msg.reason}: ${msg.message}`);
    },
    close() {
      if (typing !== null) clearInterval(typing);
      if (ending !== null) clearTimeout(ending);
      if (!opened) sessionOpenOk.add(false);
      check(opened, { 'session opened (hello received)': (o) => o === true });
    },
  });
}
