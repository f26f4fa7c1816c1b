import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { nonResourceAttributes, resourceAttributes, type RequestAttributes } from '../auth/attributes.js';
import type { TokenAuthenticator } from '../auth/authenticate.js';
import { forbidden } from '../auth/forbidden.js';
import { applyImpersonation } from '../auth/impersonation.js';
import type { RbacAuthorizer } from '../auth/rbac.js';
import type { ExecRequest } from '../exec/exec-request.js';
import type { ClusterStore } from '../fixtures/store.js';
import type { UserInfo } from '../fixtures/types.js';
import { selfSubjectAccessReview } from './access-review.js';
import {
  apiGroupList,
  apiVersions,
  authorizationGroup,
  authorizationV1Resources,
  coreV1Resources,
  versionInfo,
} from './discovery.js';
import { serveContainerLog } from './container-log.js';
import { serveEphemeralContainers } from './ephemeral-containers.js';
import { chooseContainer, parseStreamOptions } from './exec-options.js';
import { getNamespace, getPod, listNamespaces, listPods } from './resources.js';
import { writeRawStatus } from './raw-response.js';
import { sendJson, sendStatus, sendText } from './respond.js';
import { matchRoute, type Route } from './routes.js';
import { watchPods } from './watch.js';
import { StatusError, badRequest, internalError, methodNotAllowed, notFound, pathNotFound } from './status-error.js';

/** What the router hands exec/attach requests to once they passed every apiserver check (the exec side's ExecServer). */
export interface ExecHandler {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, exec: ExecRequest): void;
  handleRequest(req: IncomingMessage, res: ServerResponse, exec: ExecRequest): void;
}

export interface ApiRouterOptions {
  store: ClusterStore;
  authenticator: TokenAuthenticator;
  authorizer: RbacAuthorizer;
  exec: ExecHandler;
  countRequest: (key: string) => void;
  /** `host:port` for APIVersions.serverAddressByClientCIDRs. */
  serverAddress: () => string;
}

/** RequestInfo's verb for a method (a GET without a name is a list, or a watch with `watch=true`). */
function verbFor(method: string): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return method.toLowerCase();
  }
}

function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w !== null && w !== '0' && w.toLowerCase() !== 'false';
}

/** Paths anyone may read without credentials (system:public-info-viewer). */
const PUBLIC_KINDS = new Set<Route['kind']>(['version', 'health']);

/**
 * The apiserver's filter chain for kube-sim's paths: authentication → impersonation → authorization
 * → handler. Pods and discovery are answered here; exec/attach go through the pod and container
 * checks and are then handed to the exec side.
 */
export class ApiRouter {
  constructor(private readonly o: ApiRouterOptions) {}

  /** For plain requests (`server.on('request')`). */
  readonly handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://kube-sim');
    const route = matchRoute(url.pathname);
    let handedOff = false;
    try {
      if (route.kind === 'stream') {
        const exec = this.admitStream(req, route, url.searchParams);
        handedOff = true;
        this.o.exec.handleRequest(req, res, exec);
        return;
      }
      this.serve(req, res, route, url.searchParams);
    } catch (e) {
      // Once handed off, the exec side owns the response; a throw there must not crash the simulator.
      if (!handedOff) this.fail(res, e);
      else res.destroy();
    } finally {
      if (!handedOff) this.o.countRequest(`${req.method ?? 'GET'} ${route.template} http`);
    }
  };

  /** For requests with an `Upgrade` header (`server.on('upgrade')`): WebSocket GETs and kubectl's SPDY POST. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'https://kube-sim');
    const route = matchRoute(url.pathname);
    socket.on('error', () => socket.destroy());
    try {
      if (route.kind !== 'stream') {
        this.o.countRequest(`${req.method ?? 'GET'} ${route.template} http`);
        // Only exec/attach upgrade; other paths answer as for a plain request without streaming.
        if (route.kind === 'unknown') throw pathNotFound();
        throw badRequest(`Upgrade request is not supported at ${url.pathname}`);
      }
      let exec: ExecRequest;
      try {
        exec = this.admitStream(req, route, url.searchParams);
      } catch (e) {
        this.o.countRequest(`${req.method ?? 'GET'} ${route.template} http`);
        throw e;
      }
      try {
        this.o.exec.handleUpgrade(req, socket, head, exec);
      } catch {
        // The exec side owns the socket now; it may have written a 101 already.
        socket.destroy();
      }
    } catch (e) {
      writeRawStatus(socket, internalError(e));
    }
  };

  private fail(res: ServerResponse, e: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendStatus(res, internalError(e));
  }

  /** authn → impersonation. Throws 401/400/403 StatusErrors. */
  private identify(req: IncomingMessage): UserInfo {
    const requestor = this.o.authenticator.authenticate(req);
    return applyImpersonation(req, requestor, this.o.authorizer);
  }

  private authorize(a: RequestAttributes): void {
    const d = this.o.authorizer.authorize(a);
    if (!d.allowed) throw forbidden(a, d.reason);
  }

  private serve(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): void {
    const method = req.method ?? 'GET';
    if (PUBLIC_KINDS.has(route.kind)) {
      // Anonymous access applies only without credentials: a bad token is a 401 even here.
      if (req.headers.authorization !== undefined) this.identify(req);
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed();
      if (route.kind === 'version') sendJson(res, 200, versionInfo());
      else sendText(res, 200, 'ok');
      return;
    }
    const user = this.identify(req);
    const watch = isWatch(query);
    let verb = verbFor(method);
    switch (route.kind) {
      case 'api':
      case 'apiV1':
      case 'apis':
      case 'authzGroup':
      case 'authzV1':
      case 'openapi':
      case 'unknown': {
        this.authorize(nonResourceAttributes(user, verb, new URL(req.url ?? '/', 'https://kube-sim').pathname));
        if (route.kind === 'openapi' || route.kind === 'unknown') throw pathNotFound();
        if (method !== 'GET') throw methodNotAllowed();
        if (route.kind === 'api') sendJson(res, 200, apiVersions(this.o.serverAddress()));
        else if (route.kind === 'apiV1') sendJson(res, 200, coreV1Resources());
        else if (route.kind === 'authzGroup') sendJson(res, 200, authorizationGroup());
        else if (route.kind === 'authzV1') sendJson(res, 200, authorizationV1Resources());
        else sendJson(res, 200, apiGroupList());
        return;
      }
      case 'selfSubjectAccessReviews':
        this.authorize(
          resourceAttributes(user, verb, { apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }),
        );
        if (method !== 'POST') throw methodNotAllowed();
        // The body arrives asynchronously; failures after this point are answered here.
        selfSubjectAccessReview(req, res, user, this.o.authorizer).catch((e: unknown) => this.fail(res, e));
        return;
      case 'namespaces':
        if (verb === 'get') verb = watch ? 'watch' : 'list';
        this.authorize(resourceAttributes(user, verb, { resource: 'namespaces' }));
        this.readOnly(verb);
        listNamespaces(req, res, this.o.store, query);
        return;
      case 'namespace':
        // RequestInfo puts a namespace's own name in the namespace attribute.
        this.authorize(
          resourceAttributes(user, verb, { resource: 'namespaces', namespace: route.name, name: route.name }),
        );
        this.readOnly(verb);
        getNamespace(req, res, this.o.store, query, route.name);
        return;
      case 'pods':
        if (verb === 'get') verb = watch ? 'watch' : 'list';
        this.authorize(resourceAttributes(user, verb, { resource: 'pods', namespace: route.namespace ?? '' }));
        if (verb === 'watch') return watchPods(req, res, this.o.store, query, route.namespace);
        this.readOnly(verb);
        listPods(req, res, this.o.store, query, route.namespace);
        return;
      case 'pod':
        this.authorize(
          resourceAttributes(user, verb, { resource: 'pods', namespace: route.namespace, name: route.name }),
        );
        this.readOnly(verb);
        getPod(req, res, this.o.store, query, route.namespace, route.name);
        return;
      case 'log':
        this.authorize(
          resourceAttributes(user, verb, {
            resource: 'pods',
            subresource: 'log',
            namespace: route.namespace,
            name: route.name,
          }),
        );
        if (verb !== 'get') throw methodNotAllowed();
        serveContainerLog(res, this.o.store, query, route.namespace, route.name);
        return;
      case 'ephemeralContainers': {
        this.authorize(
          resourceAttributes(user, verb, {
            resource: 'pods',
            subresource: 'ephemeralcontainers',
            namespace: route.namespace,
            name: route.name,
          }),
        );
        if (verb !== 'get' && verb !== 'patch' && verb !== 'update') throw methodNotAllowed();
        // The body arrives asynchronously; failures after this point are answered here.
        serveEphemeralContainers(req, res, this.o.store, verb, route.namespace, route.name).catch((e: unknown) =>
          this.fail(res, e),
        );
        return;
      }
      default:
        throw pathNotFound();
    }
  }

  /** Apart from ephemeral containers and pod watches, kube-sim serves reads only; the rest is refused honestly after authorization. */
  private readOnly(verb: string): void {
    if (verb === 'watch') throw new StatusError(405, 'MethodNotAllowed', 'kube-sim does not support watch');
    if (verb !== 'get' && verb !== 'list') throw methodNotAllowed();
  }

  /**
   * The exec/attach path in apiserver order: authn → impersonation → RBAC for the method's verb →
   * (1.35) a second `create` check for a non-create verb → pod lookup (404) → container (400) →
   * host assigned (400). Returns what the exec side needs.
   */
  private admitStream(
    req: IncomingMessage,
    route: Extract<Route, { kind: 'stream' }>,
    query: URLSearchParams,
  ): ExecRequest {
    const user = this.identify(req);
    const method = req.method ?? 'GET';
    const verb = verbFor(method);
    const attrs = (v: string): RequestAttributes =>
      resourceAttributes(user, v, {
        resource: 'pods',
        subresource: route.subresource,
        namespace: route.namespace,
        name: route.name,
      });
    this.authorize(attrs(verb));
    if (method !== 'GET' && method !== 'POST') throw methodNotAllowed();
    // AuthorizePodWebsocketUpgradeCreatePermission (beta, on by default in 1.35).
    if (verb !== 'create') this.authorize(attrs('create'));
    const stored = this.o.store.getPod(route.namespace, route.name);
    if (stored === undefined) throw notFound('pods', route.name);
    const opts = parseStreamOptions(query);
    const container = chooseContainer(stored.pod, opts.container);
    if (stored.pod.nodeName === '') throw badRequest(`pod ${stored.pod.name} does not have a host assigned`);
    return {
      subresource: route.subresource,
      pod: stored.pod,
      container,
      command: route.subresource === 'exec' ? opts.command : [],
      stdin: opts.stdin,
      stdout: opts.stdout,
      stderr: opts.stderr,
      tty: opts.tty,
      user,
    };
  }
}
