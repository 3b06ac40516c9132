// The example page: a product gallery for the hub URL, token and SKU from the query string
// (`?hub=http://127.0.0.1:8000&token=…&sku=SOFA-001`) or from the form.

import { renderGallery } from './gallery.js';
import { fetchProductGallery, HubError } from './hub-client.js';

interface GalleryRequest {
  hubUrl: string;
  token: string;
  sku: string;
}

type State = 'idle' | 'loading' | 'ready' | 'missing' | 'error';

function required<T extends Element>(selector: string, type: { new (): T; prototype: T }): T {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`the page has no ${selector}`);
  return found;
}

const form = required('#gallery-form', HTMLFormElement);
const status = required('#status', HTMLElement);
const gallery = required('#gallery', HTMLElement);
let inFlight: AbortController | null = null;

function field(name: string): HTMLInputElement {
  return required(`#gallery-form [name="${name}"]`, HTMLInputElement);
}

function report(state: State, text: string): void {
  status.dataset['state'] = state;
  status.textContent = text;
}

async function show(request: GalleryRequest): Promise<void> {
  // A newer request wins: the older answer must not overwrite its gallery.
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  report('loading', `Loading ${request.sku}…`);
  try {
    const product = await fetchProductGallery(request.sku, request.token, request.hubUrl,
                                              controller.signal);
    if (!product) {
      gallery.replaceChildren();
      report('missing', `No product has the SKU ${request.sku}.`);
      return;
    }
    const count = renderGallery(gallery, product);
    report('ready', count === 1 ? '1 image' : `${count} images`);
  } catch (error) {
    if (controller.signal.aborted) return;
    report('error', error instanceof HubError
      ? `${error.code}: ${error.message}`
      : `Could not reach the hub: ${String(error)}`);
  }
}

function start(): void {
  const params = new URLSearchParams(window.location.search);
  field('hub').value = params.get('hub') ?? 'http://127.0.0.1:8000';
  field('token').value = params.get('token') ?? '';
  field('sku').value = params.get('sku') ?? '';
  if (params.has('token')) {
    // Keep the secret out of the history and of links copied from the address bar.
    params.delete('token');
    const query = params.toString();
    window.history.replaceState(null, '', query ? `?${query}` : window.location.pathname);
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void show({ hubUrl: field('hub').value, token: field('token').value,
                sku: field('sku').value.trim() });
  });
  if (field('hub').value && field('token').value && field('sku').value) {
    void show({ hubUrl: field('hub').value, token: field('token').value,
                sku: field('sku').value.trim() });
  } else {
    report('idle', 'Enter the hub URL, an API token (reader is enough) and a SKU.');
  }
}

start();
