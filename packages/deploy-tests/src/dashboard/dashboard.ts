import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';

/**
 * The pod-shell Grafana dashboard, as code (deploy/base/pod-shell-dashboard.json is its output:
 * `npm run dashboard -w @pod-shell/deploy-tests`; a test fails when the two drift). Every expression
 * is checked by promtool and every metric it names must exist in the broker's metrics.ts.
 */
const ds = { type: 'prometheus', uid: '${datasource}' };
const sel = 'namespace="$namespace"';

function q(expr: string, legend: string): DataqueryBuilder {
  return new DataqueryBuilder().expr(expr).legendFormat(legend).datasource(ds);
}

function graph(title: string, unit: string, description: string, ...queries: DataqueryBuilder[]): TimeseriesBuilder {
  const p = new TimeseriesBuilder().title(title).description(description).unit(unit).datasource(ds).height(8).span(12);
  for (const [i, query] of queries.entries()) p.withTarget(query.refId(String.fromCharCode(65 + i)));
  return p;
}

export function buildDashboard(): object {
  return new DashboardBuilder('pod-shell')
    .uid('pod-shell')
    .description('pod-shell brokers: sessions, connects, relay, leak canaries, the store and the Node.js process.')
    .tags(['pod-shell'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('namespace')
        .label('Namespace')
        .datasource(ds)
        .query('label_values(podshell_sessions_active, namespace)'),
    )
    .withRow(new RowBuilder('Sessions'))
    .withPanel(
      graph(
        'Live sessions by replica',
        'short',
        'podshell_sessions_active per pod; the HPA target and the near-capacity alert read it.',
        q(`sum by (pod) (podshell_sessions_active{${sel}})`, '{{pod}}'),
      ),
    )
    .withPanel(
      graph(
        'Sessions started and ended',
        'ops',
        'Starts, and ends by close reason.',
        q(`sum(rate(podshell_sessions_started_total{${sel}}[$__rate_interval]))`, 'started'),
        q(`sum by (reason) (rate(podshell_sessions_ended_total{${sel}}[$__rate_interval]))`, 'ended: {{reason}}'),
      ),
    )
    .withPanel(
      graph(
        'Connect time',
        's',
        'Upgrade request to open exec stream (podshell_connect_seconds).',
        q(
          `histogram_quantile(0.5, sum by (le) (rate(podshell_connect_seconds_bucket{${sel}}[$__rate_interval])))`,
          'p50',
        ),
        q(
          `histogram_quantile(0.99, sum by (le) (rate(podshell_connect_seconds_bucket{${sel}}[$__rate_interval])))`,
          'p99',
        ),
        q(`sum(podshell_connects_in_flight{${sel}})`, 'in flight'),
      ),
    )
    .withPanel(
      graph(
        'Refused upgrades by reason',
        'ops',
        'store_unavailable is the 4503 fail-closed path.',
        q(`sum by (reason) (rate(podshell_auth_failures_total{${sel}}[$__rate_interval]))`, '{{reason}}'),
      ),
    )
    .withRow(new RowBuilder('Relay'))
    .withPanel(
      graph(
        'Bytes relayed',
        'Bps',
        'Payload bytes by direction.',
        q(`sum by (direction) (rate(podshell_bytes_total{${sel}}[$__rate_interval]))`, '{{direction}}'),
      ),
    )
    .withPanel(
      graph(
        'Flow control',
        'ops',
        'Upstream pauses for slow clients, and resizes dropped by the rate limit.',
        q(`sum(rate(podshell_backpressure_pauses_total{${sel}}[$__rate_interval]))`, 'backpressure pauses'),
        q(`sum(rate(podshell_resizes_dropped_total{${sel}}[$__rate_interval]))`, 'resizes dropped'),
      ),
    )
    .withRow(new RowBuilder('Leak canaries and health'))
    .withPanel(
      graph(
        'Resources owned by sessions',
        'short',
        'With no live session every one of these is 0.',
        q(`sum(podshell_client_sockets{${sel}})`, 'client sockets'),
        q(`sum(podshell_upstream_sockets{${sel}})`, 'upstream sockets'),
        q(`sum(podshell_resize_handlers{${sel}})`, 'resize handlers'),
        q(`sum(podshell_session_timers{${sel}})`, 'session timers'),
        q(`sum(podshell_sessions_active{${sel}})`, 'live sessions'),
      ),
    )
    .withPanel(
      graph(
        'Replica health',
        'short',
        'Leak suspected, store up, draining, orphaned-shell cleanup failures.',
        q(`max by (pod) (podshell_leak_suspected{${sel}})`, 'leak suspected {{pod}}'),
        q(`min by (pod) (podshell_store_up{${sel}})`, 'store up {{pod}}'),
        q(`max by (pod) (podshell_draining{${sel}})`, 'draining {{pod}}'),
        q(`sum(increase(podshell_orphan_cleanup_failures_total{${sel}}[$__rate_interval]))`, 'orphan cleanup failures'),
      ),
    )
    .withRow(new RowBuilder('Node.js process'))
    .withPanel(
      graph(
        'Resident memory',
        'bytes',
        'process_resident_memory_bytes and the V8 heap in use.',
        q(`sum by (pod) (process_resident_memory_bytes{${sel}})`, 'rss {{pod}}'),
        q(`sum by (pod) (nodejs_heap_size_used_bytes{${sel}})`, 'heap {{pod}}'),
      ),
    )
    .withPanel(
      graph(
        'CPU and event loop lag',
        's',
        'CPU seconds per second, and the event loop lag p99.',
        q(`sum by (pod) (rate(process_cpu_seconds_total{${sel}}[$__rate_interval]))`, 'cpu {{pod}}'),
        q(`max by (pod) (nodejs_eventloop_lag_p99_seconds{${sel}})`, 'loop lag p99 {{pod}}'),
      ),
    )
    .withPanel(
      new TableBuilder()
        .title('Versions running')
        .description(
          'podshell_build_info: broker, Node.js and uWebSockets.js versions, and how many replicas run each.',
        )
        .datasource(ds)
        .height(6)
        .span(24)
        .withTarget(q(`count by (version, node, uws) (podshell_build_info{${sel}})`, '').refId('A').instant()),
    )
    .build();
}
