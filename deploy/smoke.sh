#!/usr/bin/env bash
# After `kubectl apply -k deploy/overlays/<overlay>`: is pod-shell up in this cluster?
#   ADMIN_TOKEN=… TENANT=acme SUB=smoke NAMESPACE=team-a POD=web-0 deploy/smoke.sh
# 1. rollout status  2. a token for one shell (signed with the tenant's key from the tenants Secret)
# 3. one shell through the Service (port-forward), `echo` answered  4. /metrics answered on the admin port.
# Needs kubectl (current context), Node.js and this repository built (npm ci && npx turbo run build).
set -euo pipefail
NS="${POD_SHELL_NAMESPACE:-pod-shell}"
: "${ADMIN_TOKEN:?set ADMIN_TOKEN (the pod-shell-admin Secret)}" "${TENANT:?}" "${NAMESPACE:?}" "${POD:?}"
cd "$(dirname "$0")/.."

echo "== 1. rollout"
kubectl -n "$NS" rollout status deploy/pod-shell-broker --timeout=180s

echo "== 2. token for $TENANT/${SUB:-smoke} -> $NAMESPACE/$POD"
tenants="$(mktemp)"; trap 'rm -f "$tenants"; kill $(jobs -p) 2>/dev/null || true' EXIT
kubectl -n "$NS" get secret pod-shell-tenants -o jsonpath='{.data.tenants\.yaml}' | base64 -d >"$tenants"
TOKEN="$(TENANTS_FILE="$tenants" node packages/broker/dist/cli.js token --tenant "$TENANT" --sub "${SUB:-smoke}" \
  --namespace "$NAMESPACE" --pod "$POD" --ttl 2m)"

echo "== 3. one shell through the Service"
kubectl -n "$NS" port-forward svc/pod-shell 18080:80 >/dev/null &
kubectl -n "$NS" port-forward svc/pod-shell-admin 19090:9090 >/dev/null &
for _ in $(seq 50); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.2; done
# A pod-shell client in a few lines: the tenant's first allowed origin, `echo`, wait for the answer.
TENANTS="$tenants" TENANT="$TENANT" TOKEN="$TOKEN" timeout 30 node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { createRequire } from "node:module";
  const require = createRequire(process.cwd() + "/packages/broker/package.json");
  const WebSocket = require("ws"), { parse } = require("yaml");
  const origin = parse(readFileSync(process.env.TENANTS, "utf8")).tenants.find((t) => t.name === process.env.TENANT).allowedOrigins[0];
  const ws = new WebSocket("ws://127.0.0.1:18080/v1/session", ["pod-shell.v1", "pod-shell.bearer." + process.env.TOKEN], { origin });
  let out = "";
  ws.on("message", (d) => {
    // Frames: one channel byte, then the payload (docs/protocol.md): 1 stdout, 0xf0 control (hello first).
    if (d[0] === 1) out += d.subarray(1).toString();
    else if (d[0] === 0xf0 && JSON.parse(d.subarray(1)).type === "hello") ws.send(Buffer.concat([Buffer.from([0]), Buffer.from("echo smoke-$((6*7))\r")]));
    if (out.includes("smoke-42")) { console.log("shell ok"); ws.close(1000); process.exit(0); }
  });
  ws.on("close", (code, reason) => { console.error("closed " + code + " " + reason + ": " + out); process.exit(1); });
'

echo "== 4. /metrics"
curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" http://127.0.0.1:19090/metrics | grep -E '^podshell_(build_info|sessions_active)'
curl -sf -o /dev/null -w 'element: /pod-shell.js -> %{redirect_url}\n' http://127.0.0.1:18080/pod-shell.js
echo "== smoke test passed"
