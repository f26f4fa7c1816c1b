// Output into xterm: the element's path (output scheduler + coalesced scrollbar sync) against the
// direct path (a plain xterm Terminal with the same options, `write(frame)` as frames arrive), in the
// same Chromium, same page size, same run. Each measurement uses a fresh page, so the scrollback
// starts empty (the slow phase of a flood) as it does for a user.
//
// Reports, per workload: MB/s parsed, the worst lateness of a 20 ms page timer while parsing, and the
// element/direct ratios. The element trades some throughput for a page that stays responsive.
//
//   npm run build && node packages/element/bench/output-path.mjs [--mb 2] [--rounds 3]
import { startLiveStack } from '../dist/lib/test/live-stack.js';
import { launchChromium } from '../dist/lib/test/chromium.js';
import { waitForStatus, waitForText } from '../dist/lib/test/page-helpers.js';

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const MB = arg('--mb', 2);
const ROUNDS = arg('--rounds', 3);

const WORKLOADS = {
  // `yes`: the worst case, a line feed every 3 bytes.
  'short lines (yes)': 'y\r\n',
  // `ls -l`-like lines of 100 characters.
  '100-char lines': `${'-rw-r--r-- 1 root root 4096 Nov 26 12:00 '.padEnd(98, 'x')}\r\n`,
};

const stack = await startLiveStack();
const browser = await launchChromium();

/** One measurement on a fresh page: `path` is 'direct' or 'element'. */
async function measure(path, line) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 720 } });
  try {
    const page = await context.newPage();
    await page.goto(`${stack.origin}/`);
    await waitForStatus(page, 'connected');
    await waitForText(page, /[#$] $/m);
    return await page.evaluate(
      async ({ path, line, mb }) => {
        const el = document.querySelector('pod-shell');
        let write;
        if (path === 'element') {
          write = (frame, done) => el.terminalController.write(frame, done);
        } else {
          // The same xterm build and options, without the element's output path.
          const Terminal = el.terminal.constructor;
          const box = document.createElement('div');
          const rect = el.getBoundingClientRect();
          Object.assign(box.style, {
            position: 'fixed',
            left: '0',
            top: '0',
            width: `${rect.width}px`,
            height: `${rect.height}px`,
            zIndex: '10',
          });
          document.body.append(box);
          const term = new Terminal({
            scrollback: el.terminal.options.scrollback,
            fontSize: el.terminal.options.fontSize,
            fontFamily: el.terminal.options.fontFamily,
            cols: el.terminal.cols,
            rows: el.terminal.rows,
          });
          term.open(box);
          write = (frame, done) => term.write(frame, done);
        }
        const frameBytes = 64 * 1024;
        const frame = new TextEncoder().encode(line.repeat(Math.ceil(frameBytes / line.length)).slice(0, frameBytes));
        const frames = Math.ceil((mb * 1e6) / frame.byteLength);
        let worst = 0;
        let last = performance.now();
        const timer = setInterval(() => {
          const now = performance.now();
          worst = Math.max(worst, now - last - 20);
          last = now;
        }, 20);
        const started = performance.now();
        await new Promise((resolve) => {
          for (let i = 0; i < frames; i++) write(frame, i === frames - 1 ? resolve : () => {});
        });
        const ms = performance.now() - started;
        clearInterval(timer);
        return { mbPerSecond: (frames * frame.byteLength) / 1e6 / (ms / 1000), worstLateMs: worst };
      },
      { path, line, mb: MB },
    );
  } finally {
    await context.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const [name, line] of Object.entries(WORKLOADS)) {
  const results = { direct: [], element: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so neither path always runs on a warmer machine.
    const order = round % 2 === 0 ? ['direct', 'element'] : ['element', 'direct'];
    for (const path of order) results[path].push(await measure(path, line));
  }
  const d = {
    mbps: median(results.direct.map((r) => r.mbPerSecond)),
    late: median(results.direct.map((r) => r.worstLateMs)),
  };
  const e = {
    mbps: median(results.element.map((r) => r.mbPerSecond)),
    late: median(results.element.map((r) => r.worstLateMs)),
  };
  rows.push({
    name,
    d,
    e,
    worstLate: {
      direct: Math.max(...results.direct.map((r) => r.worstLateMs)),
      element: Math.max(...results.element.map((r) => r.worstLateMs)),
    },
  });
}

console.log(`output into xterm, ${MB} MB per measurement, ${ROUNDS} rounds (medians; worst of all rounds in brackets)`);
console.log(
  '| workload | direct MB/s | element MB/s | throughput ratio | direct timer late ms | element timer late ms |',
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.d.mbps.toFixed(2)} | ${r.e.mbps.toFixed(2)} | ${(r.e.mbps / r.d.mbps).toFixed(2)} | ${r.d.late.toFixed(0)} [${r.worstLate.direct.toFixed(0)}] | ${r.e.late.toFixed(0)} [${r.worstLate.element.toFixed(0)}] |`,
  );
}
await browser.close();
await stack.close();
