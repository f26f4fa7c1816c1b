/** A live process (or light-mode stream) the simulator runs for an exec. */
export interface ProcessInfo {
  /** Simulator-assigned id, unique for the life of the simulator. */
  id: number;
  /** OS pid; null in light mode. */
  pid: number | null;
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  tty: boolean;
  /** Whether the exec's client connection is still open (false: a TTY shell that survived its client). */
  clientConnected: boolean;
  startedAt: number;
}

/** What `sim.stats()` returns: counters and the live process table. */
export interface KubeSimStats {
  /** Requests by `"<METHOD> <path template> <protocol>"`, e.g. `"GET /api/v1/namespaces/{ns}/pods/{name}/exec v5.channel.k8s.io"`; protocol is `http` for plain requests. */
  requests: Record<string, number>;
  /** Exec/attach WebSocket streams currently open. */
  openExecStreams: number;
  /** Processes currently alive (also those whose client vanished). */
  processes: ProcessInfo[];
}
