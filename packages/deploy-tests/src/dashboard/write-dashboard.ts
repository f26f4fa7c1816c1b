import { writeFileSync } from 'node:fs';
import { DASHBOARD_FILE, dashboardJson } from './dashboard-file.js';

/** `npm run dashboard`: regenerates deploy/base/pod-shell-dashboard.json from dashboard.ts. */
writeFileSync(DASHBOARD_FILE, dashboardJson());
console.log(`wrote ${DASHBOARD_FILE}`);
