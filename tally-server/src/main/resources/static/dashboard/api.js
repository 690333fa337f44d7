// The server's HTTP API, seen from the page: every call carries the key as a bearer token, and
// every failure becomes an ApiError whose message is the problem's `detail` (RFC 9457).

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** A path with its query; null, undefined and empty values are left out. */
export function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') {
      query.set(name, String(value));
    }
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** Fetches a path of this server with the key; resolves to the Response, or rejects with ApiError. */
export async function request(path, key, accept = 'application/json') {
  let response;
  try {
    response = await fetch(path, {
      headers: { Authorization: `Bearer ${key}`, Accept: accept },
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    throw new ApiError(0, `The server could not be reached (${e.message}).`);
  }
  if (!response.ok) {
    throw await problem(response);
  }
  return response;
}

export async function getJson(path, key) {
  return (await request(path, key)).json();
}

async function problem(response) {
  let detail = `${response.status} ${response.statusText || 'error'}`.trim();
  try {
    const body = await response.json();
    if (body && typeof body.detail === 'string' && body.detail) {
      detail = body.detail;
    }
  } catch {
    // Not a problem body (a proxy's page, say): the status line is the best we have.
  }
  return new ApiError(response.status, detail);
}
