// Turns what client-node throws into one line: the API server's Status message for HTTP errors, the
// OS error (code and text) for transport failures. Pure.

export interface ApiFailure {
  /** HTTP status, or undefined when no answer came. */
  code?: number;
  /** Status.reason (NotFound, AlreadyExists, Invalid, Forbidden...), when the server sent one. */
  reason?: string;
  message: string;
}

interface MaybeApiException {
  code?: unknown;
  body?: unknown;
  message?: unknown;
  cause?: unknown;
}

function statusOf(body: unknown): { message?: string; reason?: string } {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return { message: body.trim() || undefined };
    }
  }
  if (parsed && typeof parsed === 'object') {
    const s = parsed as { message?: unknown; reason?: unknown };
    return {
      message: typeof s.message === 'string' ? s.message : undefined,
      reason: typeof s.reason === 'string' ? s.reason : undefined,
    };
  }
  return {};
}

/** The innermost cause's `code: message`, as the OS reported it (e.g. `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1`). */
function transportText(err: MaybeApiException): string {
  let e: MaybeApiException | undefined = err;
  let text = typeof err.message === 'string' ? err.message : String(err);
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.message === 'string' && e.message !== 'fetch failed') text = e.message;
    e = e.cause as MaybeApiException | undefined;
  }
  return text;
}

export function apiFailure(err: unknown): ApiFailure {
  const e = (err ?? {}) as MaybeApiException;
  if (typeof e.code === 'number' && e.code >= 100 && e.code < 600) {
    const s = statusOf(e.body);
    return { code: e.code, reason: s.reason, message: s.message ?? `HTTP ${e.code}` };
  }
  return { message: transportText(e) };
}

export function isNotFound(err: unknown): boolean {
  return apiFailure(err).code === 404;
}

export function isAlreadyExists(err: unknown): boolean {
  return apiFailure(err).code === 409;
}

/** The call's answer, or null when the object is not there (404); other failures are thrown. */
export async function nullIfNotFound<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
