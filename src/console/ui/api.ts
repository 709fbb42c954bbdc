// SPDX-License-Identifier: AGPL-3.0-only
// Calls to the console API, and a hook that runs one request per change of
// its inputs, aborting the stale one so the UI never waits on old answers.
import { useEffect, useState } from 'preact/hooks';

/** API is the prefix of the console API. */
export const API = '/api/v0/console/';

/** ApiError is an answer of the API with an error status, or a network failure. */
export class ApiError extends Error {
  /** code is the API's error code (AKV_CONSOLE_*), or "network". */
  readonly code: string;
  /** status is the HTTP status, 0 for a network failure. */
  readonly status: number;

  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/** api calls an endpoint (GET without body, POST with one) and parses the JSON or text answer. */
export async function api<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(API + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError('network', 0, `cannot reach the console: ${(err as Error).message}`);
  }
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  if (!res.ok) {
    let e: { code?: string; message?: string } = {};
    if (json) e = JSON.parse(text) as typeof e;
    throw new ApiError(e.code ?? `HTTP ${res.status}`, res.status, e.message ?? text);
  }
  return (json ? JSON.parse(text) : text) as T;
}

/** Request is the state of a request made by useRequest. */
export interface Request<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
}

/**
 * useRequest calls `path` with `body` whenever `key` changes (null: no
 * call). The previous request is aborted; the last data stay shown while
 * the next one loads.
 */
export function useRequest<T>(path: string | null, body?: unknown, key: string = JSON.stringify([path, body])): Request<T> {
  const [state, setState] = useState<Request<T>>({ data: null, error: null, loading: path !== null });
  useEffect(() => {
    if (path === null) return undefined;
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, error: null, loading: true }));
    api<T>(path, body, ctl.signal).then(
      (data) => setState({ data, error: null, loading: false }),
      (err: Error) => {
        if (ctl.signal.aborted) return;
        const e = err instanceof ApiError ? err : new ApiError('internal', 0, err.message);
        setState((s) => ({ data: s.data, error: e, loading: false }));
      },
    );
    return () => ctl.abort();
    // key stands for path and body.
  }, [key]);
  return state;
}
