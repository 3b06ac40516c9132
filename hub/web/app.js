// Wires the views together. Views live in <main>; which one shows follows the URL hash:
//   #/                 the asset browser (search, filters, grid, uploads)
//   #/product/<sku>    a product
//   #/jobs             background jobs
// The asset panel (<aside>) opens over any of them.

import { gql } from '/static/graphql.js';
import { createGrid } from '/static/grid.js';
import { createJobsView } from '/static/jobs.js';
import { VIEWER } from '/static/operations.js';
import { createPanel, productHash } from '/static/panel.js';
import { createProductView } from '/static/product.js';
import { createSearch } from '/static/search.js';
import { adoptTokenFromLocation, currentToken, forgetToken, saveToken } from '/static/session.js';
import { createUploader } from '/static/upload.js';

const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element;
};

const views = {
  browse: $('browse-view'),
  product: $('product-view'),
  jobs: $('jobs-view'),
};

const grid = createGrid({
  list: $('asset-grid'),
  loadMoreButton: $('load-more'),
  heading: $('results-heading'),
  count: $('results-count'),
  empty: $('grid-empty'),
  onOpen: (id, card) => openAsset(id, card),
});

const panel = createPanel({
  root: $('asset-panel'),
  title: $('panel-title'),
  body: $('panel-body'),
  closeButton: $('close-panel'),
  onFindSimilar: (asset) => {
    navigate('#/', { focus: false });
    grid.similar(asset);
    $('results-heading').focus();
  },
  onChanged: (asset) => {
    grid.update(asset);
    search.refreshFacets();
  },
  onClose: () => grid.select(null),
});

const search = createSearch({
  form: $('search-form'),
  input: $('search-input'),
  modeSelect: $('search-mode'),
  kindsBox: $('facet-kinds'),
  tagsBox: $('facet-tags'),
  skusBox: $('facet-skus'),
  clearButton: $('clear-filters'),
  onSearch: ({ query, mode, filter }) => {
    navigate('#/', { focus: false });
    if (query) grid.search(query, mode, filter);
    else grid.browse(filter);
    search.refreshFacets();
  },
});

const product = createProductView({
  root: views.product,
  title: $('product-title'),
  body: $('product-body'),
  onOpenAsset: (id, button) => openAsset(id, button),
});

const jobs = createJobsView({
  tbody: $('jobs-body'),
  startButton: $('start-auto-tag'),
  onlyUntagged: $('auto-tag-only-untagged'),
  refreshButton: $('refresh-jobs'),
  onJobsSettled: (settled) => {
    if (settled.some((job) => job.kind === 'AUTO_TAG')) {
      search.refreshFacets();
      if (panel.isOpen() && panel.assetId) panel.open(panel.assetId);
    }
  },
});

createUploader({
  zone: $('drop-zone'),
  input: $('file-input'),
  skuInput: $('upload-sku'),
  list: $('upload-list'),
  onUploaded: (asset) => {
    grid.prepend(asset);
    search.refreshFacets();
  },
});

function openAsset(id, from) {
  grid.select(id);
  panel.open(id, { from });
}

// --- routing -------------------------------------------------------------------------------

let routedHash = null;

function parseHash(hash) {
  const productMatch = /^#\/product\/(.+)$/.exec(hash);
  if (productMatch) {
    let sku;
    try {
      sku = decodeURIComponent(productMatch[1]);
    } catch {
      sku = productMatch[1];
    }
    return { view: 'product', sku };
  }
  if (hash === '#/jobs') return { view: 'jobs' };
  return { view: 'browse' };
}

function showView(name) {
  for (const [key, element] of Object.entries(views)) element.hidden = key !== name;
  $('open-jobs').setAttribute('aria-pressed', String(name === 'jobs'));
  if (name !== 'jobs') jobs.hide();
  if (name !== 'product') product.leave();
}

function route({ force = false, focus = true } = {}) {
  const hash = location.hash;
  if (!force && hash === routedHash) return;
  routedHash = hash;
  const target = parseHash(hash);
  showView(target.view);
  if (target.view === 'product') {
    product.open(target.sku);
    if (focus) $('product-title').focus();
  } else if (target.view === 'jobs') {
    jobs.show();
    if (focus) $('jobs-title').focus();
  }
}

/** Shows the view of `hash`, adding a history entry; the same hash again reloads it. */
function navigate(hash, { focus = true } = {}) {
  const same = location.hash === hash || (hash === '#/' && parseHash(location.hash).view === 'browse');
  if (!same) history.pushState(null, '', hash);
  route({ force: true, focus });
}

window.addEventListener('popstate', () => route());
window.addEventListener('hashchange', () => route());

$('product-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const sku = $('product-sku-input').value.trim();
  if (!sku) {
    $('product-sku-input').focus();
    return;
  }
  navigate(productHash(sku));
});
$('open-jobs').addEventListener('click', () => navigate('#/jobs'));
for (const button of document.querySelectorAll('[data-action="back-to-assets"]')) {
  button.addEventListener('click', () => {
    navigate('#/', { focus: false });
    $('results-heading').focus();
  });
}

document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || event.defaultPrevented || !panel.isOpen()) return;
  // Escape in a text field that has text clears it (the browser's own behaviour) first.
  const target = event.target;
  if (target instanceof HTMLInputElement && target.type === 'search' && target.value) return;
  event.preventDefault();
  panel.close();
});

// --- session -------------------------------------------------------------------------------

const signIn = $('sign-in');

function askForToken(reason) {
  $('sign-in-reason').textContent = reason || '';
  if (!signIn.open) signIn.showModal();
  $('sign-in-token').focus();
}

$('sign-in-form').addEventListener('submit', (event) => {
  const token = $('sign-in-token').value.trim();
  if (!token) {
    event.preventDefault();
    return;
  }
  saveToken(token);
  location.reload(); // every view starts again, signed in
});
signIn.addEventListener('cancel', (event) => event.preventDefault()); // nothing works without one
$('sign-out').addEventListener('click', () => {
  forgetToken();
  location.reload();
});
window.addEventListener('hub:unauthenticated', (event) => askForToken(event.detail));

/** Who the token belongs to, shown in the header; false when the hub refuses it. */
async function checkSession() {
  try {
    const { viewer } = await gql(VIEWER);
    $('session-who').textContent = `${viewer.label} · ${viewer.role.toLowerCase()}`;
    $('sign-out').hidden = false;
    return true;
  } catch (error) {
    if (error.code !== 'UNAUTHENTICATED') throw error;
    return false;
  }
}

// --- start ---------------------------------------------------------------------------------

async function start() {
  if (!currentToken()) {
    askForToken('');
    return;
  }
  if (!(await checkSession())) return; // the dialog is open, saying why
  route({ force: true, focus: false });
  grid.browse(null);
  search.refreshFacets();
}

adoptTokenFromLocation();
start();
