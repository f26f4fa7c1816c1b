/**
 * Kills a process and its process group. Both PTY children (session leaders) and pipe children
 * (spawned detached) lead their own group, so `kill(-pid)` also reaches what they started.
 */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // No group (already gone, or not a leader): fall back to the process itself.
  }
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
