// The page's one status region (role="status", aria-live="polite"): progress notes and errors,
// the latter with their GraphQL `extensions.code`.

import { fill, h } from '/static/dom.js';

let clearTimer = 0;

function region() {
  return document.getElementById('status');
}

/** Shows a message; `tone` is 'info', 'success' or 'error'. Info and success fade after a while. */
export function showStatus(message, { tone = 'info', code = null } = {}) {
  const element = region();
  if (!element) return;
  clearTimeout(clearTimer);
  element.dataset.tone = tone;
  fill(
    element,
    h('span', { class: 'status__message', 'data-testid': 'status-message' }, message),
    code ? h('code', { class: 'status__code', 'data-testid': 'status-code' }, code) : null,
  );
  if (tone !== 'error') {
    clearTimer = setTimeout(() => clearStatus(), 8000);
  }
}

export function clearStatus() {
  const element = region();
  if (!element) return;
  clearTimeout(clearTimer);
  element.replaceChildren();
  delete element.dataset.tone;
}

/** The message and code of an error, as one line: "message (CODE)". */
export function describeError(error) {
  const message = error?.message || 'Something went wrong.';
  return error?.code ? `${message} (${error.code})` : message;
}

/** Shows an error from gql()/gqlUpload() (or any Error); `context` says what failed. */
export function showError(error, context = '') {
  if (error?.name === 'AbortError') return;
  const message = error?.message || 'Something went wrong.';
  showStatus(context ? `${context}: ${message}` : message, { tone: 'error', code: error?.code ?? null });
  if (!error?.code) console.error(error);
}
