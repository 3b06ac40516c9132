// Live updates: a small client of the graphql-transport-ws protocol, which the hub speaks for
// GraphQL subscriptions on the WebSocket at /graphql. One socket carries all of the page's
// subscriptions. It opens with the first subscription and closes a little after the last one
// ends. It signs in with the session's token in `connection_init`, since browsers cannot set
// headers on a WebSocket. It pings the hub and treats a missing pong as a dead connection.
// After a lost connection it reconnects with backoff (1 s doubling to 30 s, with jitter) and
// subscribes again. Every hub subscription starts with the current state, so nothing is
// missed meanwhile. A refused token (close 4403) fires `hub:unauthenticated`, as graphql.js
// does, and the client does not retry.

import { GraphQLRequestError } from '/static/graphql.js';
import { currentToken } from '/static/session.js';

const PROTOCOL = 'graphql-transport-ws';
const PING_EVERY_MS = 20000;
const PONG_WITHIN_MS = 10000;
const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30000;
const IDLE_CLOSE_MS = 3000;
const FORBIDDEN = 4403;
// Close codes that say this client did something wrong: trying again would not help.
const FATAL = new Set([4400, 4401, 4406, 4409, 4429]);

export function liveEndpoint() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
}

function errorFrom(errors, fallback) {
  const [first] = Array.isArray(errors) ? errors : [];
  return new GraphQLRequestError(first?.message ?? fallback, {
    code: first?.extensions?.code ?? 'UNKNOWN',
    errors: Array.isArray(errors) ? errors : [],
  });
}

/**
 * A client on one WebSocket. `subscribe(query, variables, { next, error, complete })` starts a
 * subscription and returns a function that stops it; `next` gets each event's `data`.
 */
export function createLiveClient({ url = liveEndpoint, token = currentToken } = {}) {
  const subscriptions = new Map(); // id -> { query, variables, sink }
  let socket = null;
  let ready = false;
  let failures = 0;
  let lastId = 0;
  let retryTimer = 0;
  let pingTimer = 0;
  let pongTimer = 0;
  let idleTimer = 0;

  function send(message) {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function sendSubscribe(id, { query, variables }) {
    send({ id, type: 'subscribe', payload: { query, variables } });
  }

  function connect() {
    clearTimeout(retryTimer);
    if (socket || !subscriptions.size) return;
    const opened = new WebSocket(typeof url === 'function' ? url() : url, PROTOCOL);
    socket = opened;
    opened.onopen = () => {
      const secret = token();
      send({ type: 'connection_init', payload: secret ? { Authorization: `Bearer ${secret}` } : {} });
    };
    opened.onmessage = (event) => receive(event.data);
    opened.onclose = (event) => closed(opened, event.code, event.reason);
  }

  function receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const entry = message.id === undefined ? null : subscriptions.get(message.id);
    switch (message.type) {
      case 'connection_ack':
        ready = true;
        failures = 0;
        for (const [id, subscription] of subscriptions) sendSubscribe(id, subscription);
        keepAlive();
        break;
      case 'ping':
        send({ type: 'pong' });
        break;
      case 'pong':
        clearTimeout(pongTimer);
        break;
      case 'next':
        if (!entry) break;
        if (message.payload?.errors?.length) {
          entry.sink.error?.(errorFrom(message.payload.errors, 'The subscription failed.'));
        } else {
          entry.sink.next?.(message.payload?.data ?? null);
        }
        break;
      case 'error':
        if (!entry) break;
        subscriptions.delete(message.id);
        entry.sink.error?.(errorFrom(message.payload, 'The subscription was refused.'));
        closeWhenIdle();
        break;
      case 'complete':
        if (!entry) break;
        subscriptions.delete(message.id);
        entry.sink.complete?.();
        closeWhenIdle();
        break;
      default:
        break;
    }
  }

  function keepAlive() {
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      send({ type: 'ping' });
      clearTimeout(pongTimer);
      pongTimer = setTimeout(() => socket?.close(4499, 'No pong from the hub'), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  function closed(which, code, reason) {
    if (which !== socket) return;
    socket = null;
    ready = false;
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    if (code === FORBIDDEN || FATAL.has(code)) {
      const forbidden = code === FORBIDDEN;
      const message = forbidden
        ? 'The hub refused the live connection: the API token is missing or not valid.'
        : `The hub closed the live connection (${code}${reason ? `: ${reason}` : ''}).`;
      if (forbidden) window.dispatchEvent(new CustomEvent('hub:unauthenticated', { detail: message }));
      const error = new GraphQLRequestError(message, { code: forbidden ? 'UNAUTHENTICATED' : `WS_${code}` });
      const ended = [...subscriptions.values()];
      subscriptions.clear();
      for (const { sink } of ended) sink.error?.(error);
      return;
    }
    if (!subscriptions.size) return;
    const delay = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** failures) * (0.5 + Math.random() / 2);
    failures += 1;
    retryTimer = setTimeout(connect, delay);
  }

  function closeWhenIdle() {
    clearTimeout(idleTimer);
    if (subscriptions.size) return;
    idleTimer = setTimeout(() => {
      if (!subscriptions.size && socket) {
        const closing = socket;
        socket = null;
        ready = false;
        clearInterval(pingTimer);
        clearTimeout(pongTimer);
        closing.close(1000, 'No subscriptions left');
      }
    }, IDLE_CLOSE_MS);
  }

  window.addEventListener('online', () => {
    if (!socket && subscriptions.size) connect();
  });

  return {
    subscribe(query, variables, sink) {
      lastId += 1;
      const id = String(lastId);
      const subscription = { query, variables, sink };
      subscriptions.set(id, subscription);
      clearTimeout(idleTimer);
      if (ready) sendSubscribe(id, subscription);
      else connect();
      return () => {
        if (!subscriptions.delete(id)) return;
        if (ready) send({ id, type: 'complete' });
        closeWhenIdle();
      };
    },
    get connected() {
      return ready;
    },
  };
}

let shared = null;

/** The page's one live client. */
export function liveClient() {
  shared ??= createLiveClient();
  return shared;
}
