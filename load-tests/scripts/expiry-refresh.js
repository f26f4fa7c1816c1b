// expiry-refresh: short-lived tokens. Odd sessions refresh in-band when the broker warns `expiring` and
// must keep their shell past the first token's expiry; even sessions do not and must be force-closed at
// expiry with 4408. The counts must match exactly.
//   pod-shell-broker token … --sub 'load-{n}' --ttl 20s --count 100 --out /tmp/short.txt
//   pod-shell-broker token … --sub 'load-{n}' --ttl 10m --count 100 --out /tmp/refresh.txt
//   k6 run load-tests/scripts/expiry-refresh.js -e BROKER=wss://… -e TOKENS=/tmp/short.txt -e REFRESH_TOKENS=/tmp/refresh.txt -e SESSIONS=100
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import {
  CloseCode,
  controlFrame,
  envInt,
  envRequired,
  openSession,
  readTokens,
  sessionUrl,
  stdinFrame,
} from './lib/pod-shell.js';

const SESSIONS = envInt('SESSIONS', 100);
/** How long a refreshed session stays after its first token expired, proving it kept its shell. */
const PAST_EXPIRY_MS = envInt('PAST_EXPIRY_MS', 2000);
const URL = sessionUrl(envRequired('BROKER', 'the broker, e.g. wss://shell.example.com'));
const tokens = readTokens(envRequired('TOKENS', 'short-lived tokens, one per session'), SESSIONS);
const refreshTokens = readTokens(
  envRequired('REFRESH_TOKENS', 'longer-lived tokens, same subjects, line by line'),
  SESSIONS,
);
if (SESSIONS % 2 !== 0) throw new Error(`SESSIONS must be even (half refresh, half expire), got ${SESSIONS}`);

const refreshedKept = new Counter('refreshed_kept_shell');
const expired4408 = new Counter('expired_4408');
const unexpected = new Counter('unexpected_end');

export const options = {
  scenarios: { expiry: { executor: 'per-vu-iterations', vus: SESSIONS, iterations: 1, maxDuration: '30m' } },
  thresholds: {
    refreshed_kept_shell: [`count==${SESSIONS / 2}`],
    expired_4408: [`count==${SESSIONS / 2}`],
    unexpected_end: ['count==0'],
    checks: ['rate==1'],
  },
};

export default function () {
  const n = exec.vu.idInTest - 1;
  const refresher = n % 2 === 1;
  let firstExpiry = 0;
  let outcome = 'none';
  let probing = false;
  const ws = openSession(URL, tokens[n], {
    hello(msg) {
      firstExpiry = msg.expiresAt;
    },
    control(msg) {
      if (msg.type === 'expiring' && refresher && outcome === 'none') {
        outcome = 'refreshing';
        ws.send(controlFrame({ type: 'refresh', token: refreshTokens[n] }));
      } else if (msg.type === 'extended' && outcome === 'refreshing') {
        outcome = msg.expiresAt > firstExpiry ? 'extended' : 'not_extended';
        // Type after the first token's expiry: the echo proves the shell survived it.
        setTimeout(
          () => {
            probing = true;
            ws.send(stdinFrame('p'));
          },
          Math.max(0, firstExpiry - Date.now()) + PAST_EXPIRY_MS,
        );
      } else if (msg.type === 'error') {
        outcome = `refresh_refused:${msg.code}`;
      }
    },
    output() {
      if (!probing) return;
      probing = false;
      outcome = 'kept';
      refreshedKept.add(1);
      ws.close();
    },
    closing(msg) {
      if (!refresher && msg.code === CloseCode.Expired && msg.reason === 'expired') {
        outcome = 'expired';
        expired4408.add(1);
      } else {
        console.error(`session ${n}: unexpected closing ${msg.code} ${msg.reason}: ${msg.message}`);
      }
    },
    close() {
      const expected = refresher ? 'kept' : 'expired';
      if (outcome !== expected) unexpected.add(1);
      check(outcome, {
        [`${refresher ? 'refreshing' : 'silent'} session ended as ${expected}`]: (o) => o === expected,
      });
    },
  });
}
