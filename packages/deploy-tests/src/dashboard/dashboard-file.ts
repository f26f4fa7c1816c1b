import { fileURLToPath } from 'node:url';
import { buildDashboard } from './dashboard.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const DASHBOARD_FILE = `${REPO_ROOT}deploy/base/pod-shell-dashboard.json`;

/** The committed form: 2-space JSON and a final newline. */
export function dashboardJson(): string {
  return JSON.stringify(buildDashboard(), null, 2) + '\n';
}
