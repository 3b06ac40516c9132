// The asset grid: a page of assets (with "Load more"), search hits, or similar assets.
// Cards are <button>s, so a click, Enter or Space opens the asset.

import { h, clear, cssEscape } from '/static/dom.js';
import { gql } from '/static/graphql.js';
import { BROWSE_ASSETS, SEARCH_ASSETS, SIMILAR_ASSETS } from '/static/operations.js';
import { pickImage, thumbnailPicture } from '/static/media.js';
import { formatDimensions, kindLabel } from '/static/format.js';
import { showError } from '/static/status.js';

const PAGE_SIZE = 48;
const SIMILAR_COUNT = 24;

export function createGrid({ list, loadMoreButton, heading, count, empty, onOpen }) {
  let sequence = 0; // answers to older requests are dropped
  let source = { type: 'assets', filter: null };
  let cursor = null;
  let hasNextPage = false;
  let totalCount = null;
  let selectedId = null;
  let loading = false;

  list.addEventListener('click', (event) => {
    const card = event.target.closest('[data-testid="asset-card"]');
    if (card && list.contains(card)) onOpen(card.dataset.assetId, card);
  });
  loadMoreButton.addEventListener('click', () => loadMore());

  function cardFor(id) {
    return list.querySelector(`[data-testid="asset-card"][data-asset-id="${cssEscape(id)}"]`);
  }

  function renderCard(asset, score = null) {
    const image = pickImage(asset, asset.thumbnail);
    const meta = [kindLabel(asset.kind)];
    if (asset.width && asset.height) meta.push(formatDimensions(asset.width, asset.height));
    const card = h(
      'button',
      {
        type: 'button',
        class: 'card',
        'data-testid': 'asset-card',
        'data-asset-id': asset.id,
        'data-kind': asset.kind,
        'data-score': score == null ? null : String(score),
        'aria-current': asset.id === selectedId ? 'true' : null,
      },
      thumbnailPicture(asset, image),
      h('span', { class: 'card__name', 'data-testid': 'asset-card-filename' }, asset.filename),
      h('span', { class: 'card__meta' }, meta.join(' · ')),
      score == null ? null : h('span', { class: 'card__score' }, `Score ${score.toFixed(3)}`),
    );
    return h('li', { class: 'grid__item' }, card);
  }

  function setHeading(text) {
    heading.textContent = text;
  }

  function updateCount() {
    const shown = list.querySelectorAll('[data-testid="asset-card"]').length;
    empty.hidden = shown > 0 || loading;
    if (loading && shown === 0) {
      count.textContent = 'Loading…';
    } else if (source.type === 'assets' && totalCount != null) {
      count.textContent = `${shown} of ${totalCount} asset${totalCount === 1 ? '' : 's'}`;
    } else {
      count.textContent = `${shown} result${shown === 1 ? '' : 's'}`;
    }
    loadMoreButton.hidden = !(source.type === 'assets' && hasNextPage);
    loadMoreButton.disabled = loading;
  }

  function setLoading(value) {
    loading = value;
    list.setAttribute('aria-busy', String(value));
    updateCount();
  }

  function show(items, { append = false } = {}) {
    if (!append) clear(list);
    for (const { asset, score } of items) {
      if (append && cardFor(asset.id)) continue;
      list.append(renderCard(asset, score));
    }
  }

  async function run(nextSource, headingText) {
    const mine = ++sequence;
    source = nextSource;
    cursor = null;
    hasNextPage = false;
    totalCount = null;
    setHeading(headingText);
    clear(list);
    setLoading(true);
    try {
      let items;
      if (source.type === 'assets') {
        const data = await gql(BROWSE_ASSETS, { first: PAGE_SIZE, after: null, filter: source.filter });
        if (mine !== sequence) return;
        items = data.assets.edges.map((edge) => ({ asset: edge.node, score: null }));
        cursor = data.assets.pageInfo.endCursor;
        hasNextPage = data.assets.pageInfo.hasNextPage;
        totalCount = data.assets.totalCount;
      } else if (source.type === 'search') {
        const data = await gql(SEARCH_ASSETS, {
          query: source.query, mode: source.mode, first: PAGE_SIZE, filter: source.filter,
        });
        if (mine !== sequence) return;
        items = data.searchAssets;
      } else {
        const data = await gql(SIMILAR_ASSETS, { assetId: source.asset.id, first: SIMILAR_COUNT });
        if (mine !== sequence) return;
        items = data.similarAssets;
      }
      show(items);
    } catch (error) {
      if (mine !== sequence) return;
      showError(error, source.type === 'search' ? 'Search failed' : 'Could not load assets');
    } finally {
      if (mine === sequence) setLoading(false);
    }
  }

  async function loadMore() {
    if (source.type !== 'assets' || !hasNextPage || loading) return;
    const mine = ++sequence;
    setLoading(true);
    try {
      const data = await gql(BROWSE_ASSETS, { first: PAGE_SIZE, after: cursor, filter: source.filter });
      if (mine !== sequence) return;
      const before = list.querySelectorAll('[data-testid="asset-card"]').length;
      show(data.assets.edges.map((edge) => ({ asset: edge.node, score: null })), { append: true });
      cursor = data.assets.pageInfo.endCursor;
      hasNextPage = data.assets.pageInfo.hasNextPage;
      totalCount = data.assets.totalCount;
      // Keep keyboard users in place: the first new card is next in tab order anyway.
      list.querySelectorAll('[data-testid="asset-card"]')[before]?.scrollIntoView?.({ block: 'nearest' });
    } catch (error) {
      if (mine === sequence) showError(error, 'Could not load more assets');
    } finally {
      if (mine === sequence) setLoading(false);
    }
  }

  return {
    /** All assets (or those matching `filter`), newest first, 48 at a time. */
    browse(filter = null) {
      const filtered = Boolean(filter && (filter.kinds?.length || filter.tags?.length));
      return run({ type: 'assets', filter }, filtered ? 'Filtered assets' : 'All assets');
    },
    /** Search hits for `query` in `mode`. */
    search(query, mode, filter = null) {
      return run({ type: 'search', query, mode, filter }, `Results for “${query}”`);
    },
    /** Assets that look like `asset` ({ id, filename }). */
    similar(asset) {
      return run({ type: 'similar', asset }, `Similar to ${asset.filename}`);
    },
    loadMore,
    /** Puts an asset (e.g. one just uploaded) at the top of the grid. */
    prepend(asset) {
      const existing = cardFor(asset.id);
      if (existing) existing.closest('li')?.remove();
      else if (source.type === 'assets' && totalCount != null) totalCount += 1;
      list.prepend(renderCard(asset, null));
      updateCount();
    },
    /** Redraws the card of an asset whose fields changed. */
    update(asset) {
      const existing = cardFor(asset.id);
      if (!existing) return;
      const score = existing.dataset.score ? Number(existing.dataset.score) : null;
      const hadFocus = document.activeElement === existing;
      const item = renderCard(asset, score);
      existing.closest('li').replaceWith(item);
      if (hadFocus) item.querySelector('button').focus();
    },
    /** Marks the card of the open asset (or none). */
    select(id) {
      selectedId = id;
      for (const card of list.querySelectorAll('[data-testid="asset-card"][aria-current]')) {
        card.removeAttribute('aria-current');
      }
      if (id) cardFor(id)?.setAttribute('aria-current', 'true');
    },
    cardFor,
  };
}
