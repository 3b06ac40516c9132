// The API token the page sends as `Authorization: Bearer <token>`. It is kept in this browser's
// localStorage; `hub demo` prints a link ending in #token=<token> that signs the page in (the
// fragment never reaches the server, and is removed from the address bar at once).

const STORAGE_KEY = 'hub.token';

export function currentToken() {
  try {
    return localStorage.getItem(STORAGE_KEY) || '';
  } catch {
    return '';
  }
}

export function saveToken(token) {
  localStorage.setItem(STORAGE_KEY, token.trim());
}

export function forgetToken() {
  localStorage.removeItem(STORAGE_KEY);
}

/** Takes a token from a `#token=...` link, stores it, and leaves `#/` in the address bar. */
export function adoptTokenFromLocation() {
  const match = /^#token=([^&]+)$/.exec(location.hash);
  if (!match) return;
  saveToken(decodeURIComponent(match[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

/** Headers for a request to the hub: the token, when there is one. */
export function authHeaders() {
  const token = currentToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}
