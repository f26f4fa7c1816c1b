// The kube-sim child process of the broker benchmarks (see bench-support.mjs startSimChild).
import { startKubeSim } from '@pod-shell/kube-sim';
import { simFixture } from '../dist/test/harness.js';

const sim = await startKubeSim({ fixtures: simFixture() });
process.send({ url: sim.url, adminToken: sim.adminToken, caCert: sim.caCert, kubeconfig: sim.kubeconfig });
process.on('message', async (m) => {
  if (m === 'close') {
    await sim.close();
    process.exit(0);
  }
});
