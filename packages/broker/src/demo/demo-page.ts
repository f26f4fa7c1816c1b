/**
 * The demo host page: pick a pod and container, get a short-lived token from the demo-only
 * endpoint, and open `<pod-shell>`. It is written the way a third-party page would embed the
 * element: one module script for the element, a token from "the backend", events for expiry.
 * Everything is served from the broker's origin, so the page runs under a strict CSP (no inline
 * script; xterm needs inline styles).
 */

export const DEMO_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DEMO_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pod-shell demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/demo/app.css">
<script type="module" src="/pod-shell.js"></script>
<script type="module" src="/demo/app.js"></script>
</head>
<body>
<header>
  <div class="brand"><span class="logo" aria-hidden="true">&gt;_</span> pod-shell <span class="tag">demo</span></div>
  <div id="state" class="pill" data-state="idle">idle</div>
</header>
<main>
  <aside>
    <form id="picker">
      <label>Pod <select id="pod" required></select></label>
      <label>Container <select id="container" required></select></label>
      <label>Theme
        <select id="theme"><option value="dark">dark</option><option value="light">light</option><option value="auto">auto</option></select>
      </label>
      <button id="open" type="submit">Open shell</button>
    </form>
    <section class="session">
      <h2>Session</h2>
      <dl>
        <dt>Target</dt><dd id="target">–</dd>
        <dt>Session</dt><dd id="session">–</dd>
        <dt>Expires</dt><dd id="expires">–</dd>
      </dl>
    </section>
    <section class="log">
      <h2>Events</h2>
      <ol id="log"></ol>
    </section>
    <p class="note">Demo mode: each token is minted by <code>POST /demo/token</code> for the demo tenant only and lives a few minutes; the page refreshes it in-band when the broker warns it is expiring. Never enable <code>DEMO_MODE</code> in production.</p>
  </aside>
  <section id="stage" class="stage" aria-label="Terminal"></section>
</main>
</body>
</html>
`;

export const DEMO_CSS = `*{box-sizing:border-box}
html,body{height:100%;margin:0}
body{display:flex;flex-direction:column;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#e4e4e7;background:#0f1115}
header{display:flex;align-items:center;justify-content:space-between;padding:10px 18px;border-bottom:1px solid #23262d;background:#14171c}
.brand{font-weight:650;font-size:16px;letter-spacing:.2px;display:flex;align-items:center;gap:8px}
.logo{font-family:ui-monospace,Menlo,Consolas,monospace;color:#0f1115;background:#7dd3fc;border-radius:5px;padding:1px 6px;font-size:13px}
.tag{font-size:11px;font-weight:600;text-transform:uppercase;color:#fbbf24;border:1px solid #854d0e;border-radius:4px;padding:0 5px}
.pill{font-size:12px;font-weight:600;padding:2px 10px;border-radius:999px;background:#27272a;color:#a1a1aa}
.pill[data-state=connected]{background:#14532d;color:#bbf7d0}
.pill[data-state=connecting]{background:#1e3a8a;color:#bfdbfe}
.pill[data-state=closed]{background:#7f1d1d;color:#fecaca}
main{flex:1;display:grid;grid-template-columns:290px 1fr;min-height:0}
aside{padding:16px 18px;border-right:1px solid #23262d;overflow:auto;display:flex;flex-direction:column;gap:18px;background:#12151a}
form{display:flex;flex-direction:column;gap:12px}
label{display:flex;flex-direction:column;gap:4px;font-size:12px;font-weight:600;color:#a1a1aa;text-transform:uppercase;letter-spacing:.4px}
select{font:inherit;font-size:14px;text-transform:none;letter-spacing:0;color:#e4e4e7;background:#1b1f26;border:1px solid #2e333d;border-radius:6px;padding:6px 8px}
button{font:inherit;font-weight:650;color:#0f1115;background:#7dd3fc;border:0;border-radius:6px;padding:8px 12px;cursor:pointer}
button:hover{background:#bae6fd}
h2{margin:0 0 6px;font-size:12px;text-transform:uppercase;letter-spacing:.4px;color:#a1a1aa}
dl{display:grid;grid-template-columns:auto 1fr;gap:3px 10px;margin:0;font-size:13px}
dt{color:#71717a}dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
ol{list-style:none;margin:0;padding:0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;display:flex;flex-direction:column;gap:3px;max-height:220px;overflow:auto}
ol li{color:#d4d4d8}ol li time{color:#71717a;margin-right:6px}
.note{font-size:12px;color:#71717a;margin:auto 0 0}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:#a5b4fc}
.stage{padding:14px;min-width:0;min-height:0;display:flex}
.stage pod-shell{flex:1;height:auto;box-shadow:0 0 0 1px #23262d,0 8px 30px rgba(0,0,0,.35)}
.stage .empty{margin:auto;color:#71717a}
@media (max-width:760px){main{grid-template-columns:1fr;grid-template-rows:auto 1fr}aside{border-right:0;border-bottom:1px solid #23262d}.stage{min-height:60vh}}
`;

/** The page's script: plain browser JS, every server-provided string set with textContent. */
export const DEMO_APP_JS = `const $ = (id) => document.getElementById(id);
const podSelect = $('pod');
const containerSelect = $('container');
const themeSelect = $('theme');
const stage = $('stage');
let pods = [];
let current = null;

function log(text) {
  const li = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  li.append(time, document.createTextNode(text));
  $('log').prepend(li);
}

function setState(state) {
  $('state').dataset.state = state;
  $('state').textContent = state;
}

function fillContainers() {
  const pod = pods[Number(podSelect.value)];
  containerSelect.replaceChildren(...(pod ? pod.containers : []).map((c) => new Option(c, c)));
}

async function mintToken(target) {
  const res = await fetch('/demo/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(target),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message || 'token request failed: HTTP ' + res.status);
  return body;
}

async function openShell() {
  const pod = pods[Number(podSelect.value)];
  if (!pod) return;
  const target = { namespace: pod.namespace, pod: pod.pod, container: containerSelect.value };
  let minted;
  try {
    minted = await mintToken(target);
  } catch (err) {
    log('token: ' + err.message);
    return;
  }
  current?.remove();
  const el = document.createElement('pod-shell');
  el.theme = themeSelect.value;
  el.autofocus = true;
  el.addEventListener('pod-shell-open', (e) => {
    const t = e.detail.target;
    $('target').textContent = t.namespace + '/' + t.pod + ' (' + t.container + ')';
    $('session').textContent = e.detail.session;
    $('expires').textContent = new Date(e.detail.expiresAt).toLocaleTimeString();
    log('open ' + e.detail.session);
  });
  el.addEventListener('pod-shell-expiring', async (e) => {
    log('expiring at ' + new Date(e.detail.at).toLocaleTimeString() + ': refreshing the token');
    try {
      el.token = (await mintToken(target)).token;
    } catch (err) {
      log('refresh failed: ' + err.message);
    }
  });
  el.addEventListener('pod-shell-extended', (e) => {
    $('expires').textContent = new Date(e.detail.expiresAt).toLocaleTimeString();
    log('extended');
  });
  el.addEventListener('pod-shell-resume', (e) => {
    $('target').textContent = target.namespace + '/' + target.pod + ' (' + target.container + ')';
    $('session').textContent = e.detail.session;
    $('expires').textContent = new Date(e.detail.expiresAt).toLocaleTimeString();
    log('resumed ' + e.detail.session + (e.detail.skipped > 0 ? ' (' + e.detail.skipped + ' bytes of output lost)' : ''));
  });
  el.addEventListener('pod-shell-transfer-end', (e) => {
    const d = e.detail;
    log(d.direction + (d.ok ? ' done: ' : d.cancelled ? ' cancelled: ' : ' failed: ') + d.loaded + ' bytes' + (d.error ? ' (' + d.error.code + ')' : ''));
  });
  el.addEventListener('pod-shell-close', (e) => {
    log('close ' + e.detail.code + (e.detail.exitCode !== undefined ? ' exit ' + e.detail.exitCode : '') + ': ' + e.detail.message);
  });
  new MutationObserver(() => setState(el.status)).observe(el, { attributes: true, attributeFilter: ['status'] });
  el.token = minted.token;
  stage.replaceChildren(el);
  current = el;
}

themeSelect.addEventListener('change', () => {
  if (current) current.theme = themeSelect.value;
});
podSelect.addEventListener('change', fillContainers);
$('picker').addEventListener('submit', (e) => {
  e.preventDefault();
  openShell();
});

try {
  const res = await fetch('/demo/pods');
  const body = await res.json();
  if (!res.ok) throw new Error(body.message || 'HTTP ' + res.status);
  pods = body.pods;
} catch (err) {
  log('could not list pods: ' + err.message);
}
podSelect.replaceChildren(...pods.map((p, i) => new Option(p.namespace + '/' + p.pod + (p.phase === 'Running' ? '' : ' (' + p.phase + ')'), String(i))));
const preferred = pods.findIndex((p) => p.phase === 'Running');
if (preferred >= 0) podSelect.value = String(preferred);
fillContainers();
if (pods.length === 0) {
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = 'No pods to show: is the cluster reachable, and does the demo tenant allow its namespaces?';
  stage.replaceChildren(p);
} else if (new URLSearchParams(location.search).get('autoconnect') !== '0') {
  openShell();
}
`;
