import type { Redis } from 'ioredis';
import { ErrorCode, PodShellError } from '../errors.js';
import {
  ACQUIRE_LUA,
  AUDIT_LUA,
  COUNT_LUA,
  EXTEND_EXPIRY_LUA,
  LIMIT_EXPIRY_LUA,
  LOCK_CREATE_LUA,
  LOCK_LIST_LUA,
  LOCK_REMOVE_LUA,
  HEARTBEAT_LUA,
  LEAVE_LUA,
  LIVE_IDS_LUA,
  REAP_LUA,
  RECONCILE_LUA,
  RELEASE_LUA,
  UNLOCK_LUA,
  TAKE_RESUME_LUA,
  SET_OBSERVERS_LUA,
  UPDATE_EXPIRY_LUA,
} from './redis-scripts.js';

/** The registry's Lua scripts as commands on the connection (`defineCommand`: EVALSHA, EVAL on NOSCRIPT). */
export interface ScriptCommands {
  psAcquire(
    k1: string,
    k2: string,
    rec: string,
    max: number,
    trate: number,
    irate: number,
    grace: number,
  ): Promise<unknown[]>;
  psRelease(tenant: string, id: string): Promise<number>;
  psUpdateExpiry(tenant: string, id: string, exp: number, grace: number): Promise<number>;
  psSetObservers(tenant: string, id: string, count: number): Promise<number>;
  psLimitExpiry(tenant: string, id: string, limitAt: number, grace: number): Promise<0 | [string, string]>;
  psExtendExpiry(tenant: string, id: string, wanted: number, grace: number): Promise<[string, string?]>;
  psLockCreate(tenant: string, id: string, json: string): Promise<number>;
  psLockList(tenant: string): Promise<string[]>;
  psLockRemove(id: string, tenant: string): Promise<string | null>;
  psCount(tenant: string): Promise<number>;
  psLiveIds(tenant: string): Promise<string[]>;
  psAudit(budget: number, periodMs: number): Promise<number>;
  psHeartbeat(replica: string, ttlMs: number, linkUrl: string): Promise<number>;
  psReap(replica: string): Promise<number | Array<Array<string | null>>>;
  psReconcile(replica: string, grace: number, live: string, inFlight: string): Promise<[number, number]>;
  psLeave(replica: string): Promise<number>;
  psUnlock(key: string, owner: string): Promise<number>;
  psTakeResume(tenant: string, id: string, subject: string, presented: string, next: string): Promise<string[]>;
}
export type ScriptedRedis = Redis & ScriptCommands;

/** Registers every script on the connection; call once, before the first command. */
export function defineScripts(r: Redis): ScriptedRedis {
  r.defineCommand('psAcquire', { numberOfKeys: 2, lua: ACQUIRE_LUA });
  r.defineCommand('psRelease', { numberOfKeys: 0, lua: RELEASE_LUA });
  r.defineCommand('psUpdateExpiry', { numberOfKeys: 0, lua: UPDATE_EXPIRY_LUA });
  r.defineCommand('psSetObservers', { numberOfKeys: 0, lua: SET_OBSERVERS_LUA });
  r.defineCommand('psLimitExpiry', { numberOfKeys: 0, lua: LIMIT_EXPIRY_LUA });
  r.defineCommand('psExtendExpiry', { numberOfKeys: 0, lua: EXTEND_EXPIRY_LUA });
  r.defineCommand('psLockCreate', { numberOfKeys: 0, lua: LOCK_CREATE_LUA });
  r.defineCommand('psLockList', { numberOfKeys: 0, lua: LOCK_LIST_LUA });
  r.defineCommand('psLockRemove', { numberOfKeys: 0, lua: LOCK_REMOVE_LUA });
  r.defineCommand('psCount', { numberOfKeys: 0, lua: COUNT_LUA });
  r.defineCommand('psLiveIds', { numberOfKeys: 0, lua: LIVE_IDS_LUA });
  r.defineCommand('psAudit', { numberOfKeys: 0, lua: AUDIT_LUA });
  r.defineCommand('psHeartbeat', { numberOfKeys: 0, lua: HEARTBEAT_LUA });
  r.defineCommand('psReap', { numberOfKeys: 0, lua: REAP_LUA });
  r.defineCommand('psReconcile', { numberOfKeys: 0, lua: RECONCILE_LUA });
  r.defineCommand('psLeave', { numberOfKeys: 0, lua: LEAVE_LUA });
  r.defineCommand('psUnlock', { numberOfKeys: 1, lua: UNLOCK_LUA });
  r.defineCommand('psTakeResume', { numberOfKeys: 0, lua: TAKE_RESUME_LUA });
  return r as ScriptedRedis;
}

/** The one error a failed store operation surfaces as (fail closed: the caller refuses or retries). */
export function storeUnavailable(op: string, err: unknown): PodShellError {
  return new PodShellError(ErrorCode.STORE_UNAVAILABLE, `The session store is unavailable (${op}).`, { cause: err });
}

/** Runs one store operation; whatever fails in it becomes STORE_UNAVAILABLE naming the operation. */
export async function orUnavailable<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw storeUnavailable(op, err);
  }
}
