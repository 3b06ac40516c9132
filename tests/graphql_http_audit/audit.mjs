// Runs every GraphQL-over-HTTP server audit of graphql-http against a running hub and prints
// the results as one JSON document on stdout (tests/test_graphql_http_audit.py reads it).
//
//   HUB_GRAPHQL_URL=http://127.0.0.1:8000/graphql HUB_TOKEN=hub_... node audit.mjs
//
// The hub answers no operation without a token, so every audit request carries
// `Authorization: Bearer $HUB_TOKEN` (taken from the environment, never the command line).
import { serverAudits } from 'graphql-http';

const url = process.env.HUB_GRAPHQL_URL;
const token = process.env.HUB_TOKEN;
if (!url || !token) {
  console.error('set HUB_GRAPHQL_URL and HUB_TOKEN');
  process.exit(2);
}

function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

async function describe(result) {
  const [level] = result.name.split(' ');
  const described = { id: result.id, name: result.name, level, status: result.status };
  if (result.status !== 'ok') {
    described.reason = result.reason;
    described.responseStatus = result.response.status;
    try {
      described.responseBody = await result.response.text();
    } catch {
      described.responseBody = null; // already read by the audit
    }
  }
  return described;
}

const results = [];
for (const audit of serverAudits({ url, fetchFn: fetchWithToken })) {
  results.push(await describe(await audit.fn()));
}
console.log(JSON.stringify({ results }, null, 2));
