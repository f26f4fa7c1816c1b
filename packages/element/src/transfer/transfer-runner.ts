/**
 * One HTTP transfer against the broker's `/v1/files/…` routes, with progress and cancel. Uploads
 * use XMLHttpRequest: a browser reports upload progress only there (fetch cannot, and cannot stream
 * a request body over HTTP/1.1). Downloads use fetch and read the body as it arrives.
 */
export interface TransferProgress {
  (loaded: number, total: number | null): void;
}

export interface BrokerFailure {
  code: string;
  message: string;
}

export type RunOutcome =
  | { ok: true; json?: Record<string, unknown>; blob?: Blob; filename?: string }
  | { ok: false; cancelled: boolean; error?: BrokerFailure };

function failureOf(status: number, text: string): BrokerFailure {
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return { code: j.error, message: typeof j.message === 'string' ? j.message : '' };
  } catch {
    // not the broker's JSON: a proxy's page
  }
  return { code: `HTTP_${status}`, message: `the broker answered ${status}` };
}

export function runUpload(
  url: string,
  token: string,
  body: Blob,
  contentType: string,
  onProgress: TransferProgress,
  signal: AbortSignal,
): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', contentType);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : body.size);
    xhr.onload = () => {
      if (xhr.status === 200) {
        onProgress(body.size, body.size);
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(xhr.responseText) as Record<string, unknown>;
        } catch {
          // keep {}
        }
        resolve({ ok: true, json });
      } else resolve({ ok: false, cancelled: false, error: failureOf(xhr.status, xhr.responseText) });
    };
    xhr.onerror = () =>
      resolve({ ok: false, cancelled: false, error: { code: 'NETWORK', message: 'the upload was interrupted' } });
    xhr.onabort = () => resolve({ ok: false, cancelled: true });
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** Reads the response body with progress into a Blob (the browser may keep large blobs on disk). */
export async function runDownload(
  url: string,
  token: string,
  onProgress: TransferProgress,
  signal: AbortSignal,
): Promise<RunOutcome> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal });
  } catch {
    return signal.aborted
      ? { ok: false, cancelled: true }
      : { ok: false, cancelled: false, error: { code: 'NETWORK', message: 'the download could not start' } };
  }
  if (res.status !== 200) return { ok: false, cancelled: false, error: failureOf(res.status, await res.text()) };
  const size = res.headers.get('x-pod-shell-size');
  const total = size !== null && /^\d+$/.test(size) ? Number(size) : null;
  const filename = /filename="([^"]*)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'download';
  const parts: Uint8Array[] = [];
  let loaded = 0;
  try {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      loaded += value.byteLength;
      onProgress(loaded, total);
    }
  } catch {
    return signal.aborted
      ? { ok: false, cancelled: true }
      : { ok: false, cancelled: false, error: { code: 'NETWORK', message: 'the download was cut off' } };
  }
  const type = res.headers.get('content-type') ?? 'application/octet-stream';
  return { ok: true, blob: new Blob(parts as BlobPart[], { type }), filename };
}
