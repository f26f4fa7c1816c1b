/**
 * The Lua scripts behind RedisStore. Each mutation of the registry is ONE script, so Redis runs it
 * atomically: two replicas racing for a tenant's last quota slot are serialised by Redis itself.
 * ioredis' `defineCommand` sends them with EVALSHA and falls back to EVAL on NOSCRIPT (after a Redis
 * restart or SCRIPT FLUSH).
 *
 * Key layout (docs/architecture.md, "Data model"); `{t}` is the tenant, used as a Redis Cluster hash tag:
 *   ps:{t}:s:<id>                hash   one session record (+ `limitAt`, an operator's cap, + `resumeHash`, the
 *                                      SHA-256 of its current resume secret); TTL = expiresAt + grace
 *   ps:{t}:sessions              zset   member = session id, score = expiresAt (epoch ms)
 *   ps:{t}:rate:<minute>         string tenant connects in that minute; TTL 120 s
 *   ps:ip:<ip>:rate:<minute>     string connects from one client IP in that minute; TTL 120 s
 *   ps:sid:<id>                  string session id → tenant (admin lookups by id); same TTL as the hash
 *   ps:tenants                   set    tenants that hold at least one session
 *   ps:replica:<r>               string heartbeat; TTL = 2 × HEARTBEAT_SECONDS
 *   ps:replica:<r>:url           string where other replicas reach r for replica links (resume); same TTL
 *   ps:replica:<r>:sessions      set    "<id> <tenant>" of every session replica r holds
 *   ps:replicas                  set    replicas known to hold (or have held) sessions
 *   ps:reaper:lock               string short lock so one replica reaps at a time
 *   ps:audit:tick                string the fleet's audit sweep took a step; TTL = heartbeat period
 *   ps:audit                     hash   where the audit sweep stands: tenant `t`, ZSCAN cursor `c`; TTL 10 periods
 *   ps:audit:queue               list   tenants the current audit pass has still to visit; TTL 10 periods
 *   ps:{t}:locks                 hash   lock id → lock JSON (tenant t); lapsed locks are dropped when read
 *   ps:lock-tenants              set    tenants that hold at least one lock
 *   ps:control                   pub/sub channel of ControlCommand JSON
 * Time always comes from Redis (`TIME`), so replicas with skewed clocks agree on minutes and expiry.
 */

export const KEY_PREFIX = 'ps:';
/** How many expired entries one acquire, count or audit step removes at most (bounds each script's work). */
export const PRUNE_BATCH = 64;
export const CONTROL_CHANNEL = `${KEY_PREFIX}control`;
export const REAPER_LOCK_KEY = `${KEY_PREFIX}reaper:lock`;

export const keys = {
  session: (tenant: string, id: string): string => `${KEY_PREFIX}{${tenant}}:s:${id}`,
  sessions: (tenant: string): string => `${KEY_PREFIX}{${tenant}}:sessions`,
  tenantRate: (tenant: string): string => `${KEY_PREFIX}{${tenant}}:rate`,
  ipRate: (ip: string): string => `${KEY_PREFIX}ip:${ip}:rate`,
  sid: (id: string): string => `${KEY_PREFIX}sid:${id}`,
  tenants: (): string => `${KEY_PREFIX}tenants`,
  replica: (replica: string): string => `${KEY_PREFIX}replica:${replica}`,
  replicaSessions: (replica: string): string => `${KEY_PREFIX}replica:${replica}:sessions`,
  replicas: (): string => `${KEY_PREFIX}replicas`,
};

/** The fields of a session hash, in the order the scripts write them. */
export const RECORD_FIELDS = [
  'id',
  'tenant',
  'subject',
  'namespace',
  'pod',
  'container',
  'replica',
  'clientIp',
  'startedAt',
  'expiresAt',
] as const;

/**
 * Shared Lua helpers, prepended to every script. Key names are rebuilt here with the same layout as
 * `keys` above (the prefix is a constant on both sides).
 */
const PRELUDE = `
local P = '${KEY_PREFIX}'
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function k_session(t, id) return P .. '{' .. t .. '}:s:' .. id end
local function k_sessions(t) return P .. '{' .. t .. '}:sessions' end
local function k_sid(id) return P .. 'sid:' .. id end
local function k_rsessions(r) return P .. 'replica:' .. r .. ':sessions' end

-- Removes one session everywhere it is indexed. Idempotent: a missing session is a no-op.
local function remove_session(t, id)
  local h = k_session(t, id)
  local rep = redis.call('HGET', h, 'replica')
  redis.call('DEL', h)
  redis.call('ZREM', k_sessions(t), id)
  redis.call('DEL', k_sid(id))
  if rep then
    redis.call('SREM', k_rsessions(rep), id .. ' ' .. t)
  else
    -- The hash lapsed, so its holder is unknown: drop the member from every replica's index.
    for _, r in ipairs(redis.call('SMEMBERS', P .. 'replicas')) do redis.call('SREM', k_rsessions(r), id .. ' ' .. t) end
  end
  if redis.call('EXISTS', k_sessions(t)) == 0 then redis.call('SREM', P .. 'tenants', t) end
end

-- The expiry a session may have: never past the operator's limit (hash field limitAt), if any.
local function capped(h, exp)
  local lim = redis.call('HGET', h, 'limitAt')
  if lim then return math.min(exp, tonumber(lim)) end
  return exp
end

-- Stores a session's expiry (hash field, sorted-set score, TTLs). Returns it.
local function set_expiry(t, id, exp, grace)
  local h = k_session(t, id)
  local ttl = math.max(exp - now_ms(), 0) + grace
  redis.call('HSET', h, 'expiresAt', string.format('%d', exp))
  redis.call('PEXPIRE', h, ttl)
  redis.call('ZADD', k_sessions(t), 'XX', exp, id)
  redis.call('PEXPIRE', k_sid(id), ttl)
  return exp
end

-- A tenant's locks (ps:{t}:locks, id -> JSON) still in force, decoded; lapsed or unreadable ones are dropped.
local function k_locks(t) return P .. '{' .. t .. '}:locks' end
local function live_locks(t, now)
  local h = k_locks(t)
  local all = redis.call('HGETALL', h)
  local out = {}
  for i = 1, #all, 2 do
    local ok, l = pcall(cjson.decode, all[i + 1])
    if not ok or type(l) ~= 'table' or (l.expiresAt and tonumber(l.expiresAt) <= now) then
      redis.call('HDEL', h, all[i])
    else
      table.insert(out, {l, all[i + 1]})
    end
  end
  if #all > 0 and redis.call('EXISTS', h) == 0 then redis.call('SREM', P .. 'lock-tenants', t) end
  return out
end

-- The message of a lock in force that covers this session (every field the lock sets matches), or nil.
local function lock_for(t, subject, ns, pod, now)
  for _, e in ipairs(live_locks(t, now)) do
    local l = e[1]
    if (l.subject == nil or l.subject == subject) and (l.namespace == nil or l.namespace == ns) and (l.pod == nil or l.pod == pod) then
      return type(l.message) == 'string' and l.message or ''
    end
  end
  return nil
end

-- Drops at most PRUNE_BATCH of a tenant's entries that are past their expiry: O(log n + batch), never
-- a walk of the whole set. What is left over (a burst of expiries) goes on the next call or the
-- reaper's sweep; the quota does not depend on it, because live_count counts by score.
local PRUNE_BATCH = ${PRUNE_BATCH}
local function prune(t, now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', k_sessions(t), '-inf', now, 'LIMIT', 0, PRUNE_BATCH)) do remove_session(t, id) end
end

-- The tenant's sessions that have not expired (score > now): what the quota counts. O(log n).
local function live_count(t, now)
  return redis.call('ZCOUNT', k_sessions(t), '(' .. string.format('%d', now), '+inf')
end

-- Writes one session (hash, zset, id index, tenant and replica indexes) with TTL expiresAt + grace.
local function register(rec, now, grace)
  local t, id = rec.tenant, rec.id
  local h = k_session(t, id)
  redis.call('HSET', h, 'id', id, 'tenant', t, 'subject', rec.subject, 'namespace', rec.namespace,
    'pod', rec.pod, 'container', rec.container, 'replica', rec.replica, 'clientIp', rec.clientIp,
    'startedAt', tostring(rec.startedAt), 'expiresAt', tostring(rec.expiresAt))
  if type(rec.resumeHash) == 'string' then redis.call('HSET', h, 'resumeHash', rec.resumeHash) end
  local ttl = math.max(tonumber(rec.expiresAt) - now, 0) + grace
  redis.call('PEXPIRE', h, ttl)
  redis.call('ZADD', k_sessions(t), rec.expiresAt, id)
  redis.call('SET', k_sid(id), t, 'PX', ttl)
  redis.call('SADD', P .. 'tenants', t)
  redis.call('SADD', k_rsessions(rec.replica), id .. ' ' .. t)
  redis.call('SADD', P .. 'replicas', rec.replica)
end
`;

/**
 * acquire: a bounded prune, then the tenant's locks (a matching lock refuses: {'locked', message}), then
 * tenant connect rate, client-IP connect rate, concurrent quota (live entries counted by score), then
 * register. Every step but the lock check is O(log n) in the tenant's sessions; the lock check reads
 * the tenant's locks (few, by design).
 * ARGV: recordJson, maxConcurrent, tenantPerMinute (0 = off), ipPerMinute (0 = off), graceMs.
 * KEYS: tenant rate base, ip rate base (the script appends the Redis-clock minute).
 * Returns {'ok'} | {'rate_limited', 'tenant'|'ip', limit} | {'quota_exceeded', limit}.
 * Rate counters count admitted attempts: an attempt refused by a rate limit does not extend the
 * window, one refused by the quota does count (it cost a connect).
 */
export const ACQUIRE_LUA = `${PRELUDE}
local rec = cjson.decode(ARGV[1])
local maxc, trate, irate, grace = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local now = now_ms()
local minute = math.floor(now / 60000)
local tkey, ikey = KEYS[1] .. ':' .. minute, KEYS[2] .. ':' .. minute
prune(rec.tenant, now)
local locked = lock_for(rec.tenant, rec.subject, rec.namespace, rec.pod, now)
if locked then return {'locked', locked} end
if trate > 0 and tonumber(redis.call('GET', tkey) or '0') >= trate then return {'rate_limited', 'tenant', trate} end
if irate > 0 and tonumber(redis.call('GET', ikey) or '0') >= irate then return {'rate_limited', 'ip', irate} end
if trate > 0 then redis.call('INCR', tkey); redis.call('EXPIRE', tkey, 120) end
if irate > 0 then redis.call('INCR', ikey); redis.call('EXPIRE', ikey, 120) end
if live_count(rec.tenant, now) >= maxc then return {'quota_exceeded', maxc} end
register(rec, now, grace)
return {'ok'}
`;

/** release: ARGV tenant, id. Idempotent. Returns nothing useful. */
export const RELEASE_LUA = `${PRELUDE}
remove_session(ARGV[1], ARGV[2])
return 1
`;

/** setObservers: ARGV tenant, id, count. Only on a live session (never recreates a released hash). */
export const SET_OBSERVERS_LUA = `${PRELUDE}
local h = k_session(ARGV[1], ARGV[2])
if redis.call('EXISTS', h) == 0 then return 0 end
redis.call('HSET', h, 'observers', ARGV[3])
return 1
`;

/**
 * updateExpiry: ARGV tenant, id, expiresAt, graceMs. Never moves the expiry past a stored operator
 * limit. Returns the stored expiry when the session exists, else 0.
 */
export const UPDATE_EXPIRY_LUA = `${PRELUDE}
local t, id, exp, grace = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local h = k_session(t, id)
if redis.call('EXISTS', h) == 0 then return 0 end
return set_expiry(t, id, capped(h, exp), grace)
`;

/**
 * limitExpiry (an operator's shortening): ARGV tenant, id, limitAt, graceMs. Stores the earlier of
 * the old and new limit in the hash field `limitAt` and moves the expiry down to it. Returns
 * {expiresAt, limitAt} as strings, or 0 when the session is not live.
 */
export const LIMIT_EXPIRY_LUA = `${PRELUDE}
local t, id, lim, grace = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local h = k_session(t, id)
if redis.call('EXISTS', h) == 0 then return 0 end
lim = math.min(lim, tonumber(redis.call('HGET', h, 'limitAt') or lim))
redis.call('HSET', h, 'limitAt', string.format('%d', lim))
local exp = set_expiry(t, id, math.min(lim, tonumber(redis.call('HGET', h, 'expiresAt'))), grace)
return {string.format('%d', exp), string.format('%d', lim)}
`;

/**
 * extendExpiry (a refresh): ARGV tenant, id, wantedExpiresAt, graceMs. Refuses when the session
 * was killed or revoked — a kill marker for it, or a subject/tenant revoke marker written after it
 * started (redis-missed-commands.ts) — so a kill racing a refresh wins whichever replica saw what
 * first; refuses when a lock now covers the session. Otherwise stores the wanted expiry capped by
 * the operator limit. Returns {'ok', expiresAt} | {'killed', message} | {'locked', message} | {'gone'}.
 */
export const EXTEND_EXPIRY_LUA = `${PRELUDE}
local t, id, want, grace = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local h = k_session(t, id)
if redis.call('EXISTS', h) == 0 then return {'gone'} end
local started = tonumber(redis.call('HGET', h, 'startedAt') or '0')
local subject = redis.call('HGET', h, 'subject') or ''
local markers = {
  {P .. 'kill:' .. id, false},
  {P .. '{' .. t .. '}:kill-subject:' .. subject, true},
  {P .. '{' .. t .. '}:kill-tenant', true},
}
for _, m in ipairs(markers) do
  local raw = redis.call('GET', m[1])
  if raw then
    local ok, v = pcall(cjson.decode, raw)
    if ok and type(v) == 'table' and tonumber(v.at) and (not m[2] or tonumber(v.at) >= started) then
      return {'killed', type(v.message) == 'string' and v.message or ''}
    end
  end
end
local fields = redis.call('HMGET', h, 'namespace', 'pod')
local locked = lock_for(t, subject, fields[1] or '', fields[2] or '', now_ms())
if locked then return {'locked', locked} end
return {'ok', string.format('%d', set_expiry(t, id, capped(h, want), grace))}
`;

/**
 * takeResume: ARGV tenant, id, subject, presentedHash, nextHash. A resume credential works once: when
 * the session is live, belongs to the subject and holds the presented hash, the hash becomes nextHash.
 * Returns {'ok', replica} | {'gone'} | {'mismatch'}.
 */
export const TAKE_RESUME_LUA = `${PRELUDE}
local t, id, sub, presented, nxt = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local h = k_session(t, id)
if redis.call('EXISTS', h) == 0 then return {'gone'} end
local f = redis.call('HMGET', h, 'subject', 'resumeHash', 'replica', 'expiresAt')
if tonumber(f[4] or '0') <= now_ms() then return {'gone'} end
if f[1] ~= sub or not f[2] or f[2] ~= presented then return {'mismatch'} end
redis.call('HSET', h, 'resumeHash', nxt)
return {'ok', f[3] or ''}
`;

/** createLock: ARGV tenant, id, lock JSON. Stores it in the tenant's lock hash. */
export const LOCK_CREATE_LUA = `${PRELUDE}
redis.call('HSET', k_locks(ARGV[1]), ARGV[2], ARGV[3])
redis.call('SADD', P .. 'lock-tenants', ARGV[1])
return 1
`;

/** listLocks: ARGV tenant ('' = every tenant with locks). Returns the JSON of each lock in force. */
export const LOCK_LIST_LUA = `${PRELUDE}
local now = now_ms()
local tenants = ARGV[1] ~= '' and {ARGV[1]} or redis.call('SMEMBERS', P .. 'lock-tenants')
local out = {}
for _, t in ipairs(tenants) do
  for _, e in ipairs(live_locks(t, now)) do table.insert(out, e[2]) end
end
return out
`;

/** removeLock: ARGV id, tenant ('' = look in every tenant). Returns the removed lock's JSON, or false. */
export const LOCK_REMOVE_LUA = `${PRELUDE}
local tenants = ARGV[2] ~= '' and {ARGV[2]} or redis.call('SMEMBERS', P .. 'lock-tenants')
for _, t in ipairs(tenants) do
  local h = k_locks(t)
  local v = redis.call('HGET', h, ARGV[1])
  if v then
    redis.call('HDEL', h, ARGV[1])
    if redis.call('EXISTS', h) == 0 then redis.call('SREM', P .. 'lock-tenants', t) end
    return v
  end
end
return false
`;

/** count: ARGV tenant. Counts by score after a bounded prune: exactly what the next acquire would count. */
export const COUNT_LUA = `${PRELUDE}
local now = now_ms()
prune(ARGV[1], now)
return live_count(ARGV[1], now)
`;

/** liveIds: ARGV tenant. The ids of the sessions count() counts (score > now), for listings. */
export const LIVE_IDS_LUA = `${PRELUDE}
local now = now_ms()
prune(ARGV[1], now)
return redis.call('ZRANGEBYSCORE', k_sessions(ARGV[1]), '(' .. string.format('%d', now), '+inf')
`;

/**
 * audit: ARGV budget, periodMs. One step of the fleet's incremental sweep over every tenant's sorted
 * set, at most once per `periodMs` across all replicas (`ps:audit:tick`). It removes entries whose
 * hash is gone BEFORE their expiry (evicted by a `maxmemory` policy or deleted by hand: no broker path
 * does that, a hash's TTL always ends `grace` after its score) and expired entries a bounded prune
 * left over. Its position lives in Redis (`ps:audit`: tenant and ZSCAN cursor; `ps:audit:queue`:
 * tenants still to visit in this pass, refilled from `ps:tenants`), so a pass continues whichever
 * replica takes the next step. Visits about `budget` members per step. Returns the entries removed,
 * or -1 when the step was not due.
 */
export const AUDIT_LUA = `${PRELUDE}
local budget, period = tonumber(ARGV[1]), tonumber(ARGV[2])
if not redis.call('SET', P .. 'audit:tick', '1', 'PX', period, 'NX') then return -1 end
local st, q = P .. 'audit', P .. 'audit:queue'
local t, cursor = unpack(redis.call('HMGET', st, 't', 'c'))
local now, removed, refilled = now_ms(), 0, false
while budget > 0 do
  if not t then
    t = redis.call('LPOP', q)
    if not t then
      if refilled then break end
      refilled = true
      local tenants = redis.call('SMEMBERS', P .. 'tenants')
      if #tenants == 0 then break end
      for i = 1, #tenants, 1000 do redis.call('RPUSH', q, unpack(tenants, i, math.min(i + 999, #tenants))) end
      t = redis.call('LPOP', q)
    end
    cursor = '0'
  end
  prune(t, now)
  local page = redis.call('ZSCAN', k_sessions(t), cursor, 'COUNT', math.min(budget, 128))
  local members = page[2]
  for i = 1, #members, 2 do
    if redis.call('EXISTS', k_session(t, members[i])) == 0 then
      remove_session(t, members[i])
      removed = removed + 1
    end
  end
  budget = budget - math.max(#members / 2, 1)
  cursor = page[1]
  if cursor == '0' then t = nil end
end
if t then redis.call('HSET', st, 't', t, 'c', cursor) else redis.call('DEL', st) end
-- The position outlives a fleet that stopped stepping by ten periods at most.
redis.call('PEXPIRE', st, 10 * period)
redis.call('PEXPIRE', q, 10 * period)
return removed
`;

/**
 * heartbeat: ARGV replica, ttlMs, linkUrl ('' = none). Refreshes the heartbeat key (and the replica's
 * advertised link URL, `ps:replica:<r>:url`, with the same TTL: it lapses with the replica). Returns 1
 * when the key still existed, 0 when it had lapsed (Redis restarted or this replica was reaped): the
 * caller then reconciles.
 */
export const HEARTBEAT_LUA = `${PRELUDE}
local hb = P .. 'replica:' .. ARGV[1]
local existed = redis.call('EXISTS', hb)
redis.call('SET', hb, tostring(now_ms()), 'PX', tonumber(ARGV[2]))
if ARGV[3] ~= '' then redis.call('SET', hb .. ':url', ARGV[3], 'PX', tonumber(ARGV[2])) end
redis.call('SADD', P .. 'replicas', ARGV[1])
return existed
`;

/**
 * reap: ARGV replica. When that replica's heartbeat key is gone, removes every session it held and
 * forgets the replica. Returns -1 when the replica is alive, else the removed sessions' records (each
 * as the RECORD_FIELDS values, in order) so the reaping replica can end their remote shells.
 */
export const REAP_LUA = `${PRELUDE}
local r = ARGV[1]
if redis.call('EXISTS', P .. 'replica:' .. r) == 1 then return -1 end
local set = k_rsessions(r)
local reaped = {}
for _, m in ipairs(redis.call('SMEMBERS', set)) do
  local sp = string.find(m, ' ', 1, true)
  if sp then
    local t, id = string.sub(m, sp + 1), string.sub(m, 1, sp - 1)
    local h = k_session(t, id)
    if redis.call('EXISTS', h) == 1 then
      table.insert(reaped, redis.call('HMGET', h, ${RECORD_FIELDS.map((f) => `'${f}'`).join(', ')}))
    end
    remove_session(t, id)
  end
end
redis.call('DEL', set)
redis.call('SREM', P .. 'replicas', r)
return reaped
`;

/**
 * reconcile: ARGV replica, graceMs, JSON array of the replica's live records, JSON array of the
 * "<id> <tenant>" members of acquires still in flight (left alone). Makes Redis hold exactly
 * those sessions for this replica: removes entries whose release was lost, re-registers the live ones
 * (after a Redis restart, a failover, or a reap during a partition). Returns {removed, registered}.
 */
export const RECONCILE_LUA = `${PRELUDE}
local r, grace = ARGV[1], tonumber(ARGV[2])
local live = cjson.decode(ARGV[3])
local now = now_ms()
local want = {}
for _, rec in ipairs(live) do want[rec.id .. ' ' .. rec.tenant] = true end
for _, m in ipairs(cjson.decode(ARGV[4])) do want[m] = true end
local removed = 0
for _, m in ipairs(redis.call('SMEMBERS', k_rsessions(r))) do
  if not want[m] then
    local sp = string.find(m, ' ', 1, true)
    if sp then remove_session(string.sub(m, sp + 1), string.sub(m, 1, sp - 1)) end
    redis.call('SREM', k_rsessions(r), m)
    removed = removed + 1
  end
end
for _, rec in ipairs(live) do register(rec, now, grace) end
return {removed, #live}
`;

/**
 * leave: ARGV replica. On graceful close: drops the heartbeat; forgets the replica when it holds no
 * sessions (otherwise the reapers clean up after the heartbeat key is gone).
 */
export const LEAVE_LUA = `${PRELUDE}
local r = ARGV[1]
redis.call('DEL', P .. 'replica:' .. r, P .. 'replica:' .. r .. ':url')
if redis.call('SCARD', k_rsessions(r)) == 0 then redis.call('SREM', P .. 'replicas', r) end
return 1
`;

/** unlock: KEYS lock, ARGV owner. Deletes the lock only when this replica still owns it. */
export const UNLOCK_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
