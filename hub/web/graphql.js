// The one way the page talks to the hub: POST /graphql, as JSON or (for files) as a GraphQL
// multipart request, with the session's token. Failures become a GraphQLRequestError whose `code`
// is the first error's `extensions.code`, or NETWORK_ERROR / BAD_RESPONSE / HTTP_<status> when
// there is no GraphQL error. An UNAUTHENTICATED answer also fires `hub:unauthenticated` on
// window, so the page can ask for a token.

import { authHeaders } from '/static/session.js';

const ENDPOINT = '/graphql';

export class GraphQLRequestError extends Error {
  constructor(message, { code = 'UNKNOWN', errors = [], data = null, status = 0, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'GraphQLRequestError';
    this.code = code;
    this.errors = errors;
    this.data = data;
    this.status = status;
  }
}

function networkError(cause) {
  return new GraphQLRequestError('Network error: the hub could not be reached.', {
    code: 'NETWORK_ERROR',
    cause,
  });
}

/** Turns an HTTP status and body into `data`, or throws. */
function interpret(status, text) {
  let payload;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new GraphQLRequestError(`Unexpected response from the hub (HTTP ${status || 'none'}).`, {
      code: status && (status < 200 || status >= 300) ? `HTTP_${status}` : 'BAD_RESPONSE',
      status,
    });
  }
  const errors = Array.isArray(payload?.errors) ? payload.errors : [];
  if (errors.length > 0) {
    const [first] = errors;
    if (first?.extensions?.code === 'UNAUTHENTICATED') {
      window.dispatchEvent(new CustomEvent('hub:unauthenticated', { detail: first.message }));
    }
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
    throw new GraphQLRequestError(`${first?.message ?? 'Unknown error'}${more}`, {
      code: first?.extensions?.code ?? (status >= 400 ? `HTTP_${status}` : 'UNKNOWN'),
      errors,
      data: payload?.data ?? null,
      status,
    });
  }
  if (status < 200 || status >= 300 || payload?.data == null || typeof payload.data !== 'object') {
    throw new GraphQLRequestError(`The hub answered HTTP ${status} without data.`, {
      code: `HTTP_${status}`,
      status,
    });
  }
  return payload.data;
}

/** Sends one operation as JSON and resolves to its `data`. */
export async function gql(query, variables = {}, { signal } = {}) {
  let response;
  let text;
  try {
    response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders() },
      body: JSON.stringify({ query, variables }),
      credentials: 'same-origin',
      signal,
    });
    text = await response.text();
  } catch (cause) {
    if (cause?.name === 'AbortError') throw cause;
    throw networkError(cause);
  }
  return interpret(response.status, text);
}

function setPath(target, path, value) {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (node[key] == null || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
}

/**
 * Sends one operation with files, following the GraphQL multipart request spec
 * (fields `operations`, `map`, then one part per file), through XMLHttpRequest so that
 * upload progress can be reported.
 *
 * `files` maps an object path to a File, e.g. { 'variables.file': file }.
 * `onProgress({ loaded, total, sent })` is called as the body goes out; `sent` once all of it has.
 */
export function gqlUpload(query, variables, files, { onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const operations = { query, variables: { ...variables } };
    const map = {};
    const form = new FormData();
    const entries = Object.entries(files);
    entries.forEach(([path, file], index) => {
      setPath(operations, path, null);
      map[String(index)] = [path];
    });
    form.append('operations', JSON.stringify(operations));
    form.append('map', JSON.stringify(map));
    entries.forEach(([, file], index) => form.append(String(index), file, file.name));

    const xhr = new XMLHttpRequest();
    xhr.open('POST', ENDPOINT);
    xhr.setRequestHeader('Accept', 'application/json');
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : 0, sent: false });
    };
    xhr.upload.onload = () => onProgress?.({ loaded: 1, total: 1, sent: true });
    xhr.onload = () => {
      try {
        resolve(interpret(xhr.status, xhr.responseText));
      } catch (error) {
        reject(error);
      }
    };
    xhr.onerror = () => reject(networkError());
    xhr.ontimeout = () => reject(networkError());
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    if (signal) {
      if (signal.aborted) {
        reject(new DOMException('The upload was cancelled.', 'AbortError'));
        return;
      }
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(form);
  });
}
