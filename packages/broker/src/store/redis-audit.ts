/**
 * Sorted-set members the fleet's audit sweep visits per heartbeat period (AUDIT_LUA in
 * redis-scripts.ts). Acquire and release never walk a tenant's sorted set — that made every connect
 * cost O(sessions the tenant holds) — they prune by score only. What a score cannot tell is an entry
 * whose hash vanished before its expiry (evicted, deleted by hand); the sweep finds those, and expired
 * entries a bounded prune left over, at a fixed cost: one step per period across all replicas, so a
 * pass over N sessions takes about ⌈N / AUDIT_BUDGET⌉ periods whatever the fleet size.
 */
export const AUDIT_BUDGET = 512;
