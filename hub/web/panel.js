// The asset panel (the page's <aside>): a larger image, the file's facts, its renditions,
// tags (accept suggestions, add and remove manual ones), linked products, and "Find similar".

import { h, fill, captureFocus, restoreFocus } from '/static/dom.js';
import { gql } from '/static/graphql.js';
import { ACCEPT_SUGGESTED_TAGS, ASSET_DETAIL, TAG_ASSET } from '/static/operations.js';
import { createPicture, pickImage } from '/static/media.js';
import {
  formatBytes, formatDate, formatDimensions, formatPercent, formatSeconds, kindLabel,
} from '/static/format.js';
import { showError, showStatus } from '/static/status.js';

export function productHash(sku) {
  return `#/product/${encodeURIComponent(sku)}`;
}

export function createPanel({ root, title, body, closeButton, onFindSimilar, onChanged, onClose }) {
  let asset = null;
  let sequence = 0;
  let returnFocus = null;
  let busy = false;

  closeButton.addEventListener('click', () => close());

  function isOpen() {
    return !root.hidden;
  }

  function setBusy(value) {
    busy = value;
    root.setAttribute('aria-busy', String(value));
    for (const control of body.querySelectorAll('button, input')) control.disabled = value;
  }

  async function open(id, { from = null } = {}) {
    const mine = ++sequence;
    if (from) returnFocus = from;
    root.hidden = false;
    root.dataset.assetId = id;
    document.body.classList.add('panel-open');
    asset = null;
    title.textContent = 'Loading…';
    fill(body, h('p', { class: 'muted' }, 'Loading asset…'));
    root.setAttribute('aria-busy', 'true');
    title.focus();
    try {
      const data = await gql(ASSET_DETAIL, { id });
      if (mine !== sequence) return;
      if (!data.asset) {
        title.textContent = 'Asset not found';
        fill(body, h('p', {}, 'This asset no longer exists.'));
        showStatus('This asset no longer exists.', { tone: 'error', code: 'NOT_FOUND' });
        return;
      }
      render(data.asset);
    } catch (error) {
      if (mine !== sequence) return;
      title.textContent = 'Could not load the asset';
      fill(body, h('p', {}, 'The asset could not be loaded.'));
      showError(error, 'Could not load the asset');
    } finally {
      if (mine === sequence) root.setAttribute('aria-busy', 'false');
    }
  }

  function close() {
    if (!isOpen()) return;
    sequence += 1;
    root.hidden = true;
    delete root.dataset.assetId;
    document.body.classList.remove('panel-open');
    asset = null;
    onClose?.();
    if (returnFocus?.isConnected) returnFocus.focus();
    returnFocus = null;
  }

  async function mutate(operation, variables, field, successMessage, failureContext) {
    if (busy || !asset) return;
    const mine = sequence;
    const focus = captureFocus(body);
    setBusy(true);
    try {
      const data = await gql(operation, variables);
      if (mine !== sequence) return;
      setBusy(false);
      render(data[field]);
      restoreFocus(body, focus, () => body.querySelector('#panel-tags-heading'));
      onChanged?.(data[field]);
      showStatus(successMessage, { tone: 'success' });
    } catch (error) {
      if (mine === sequence) {
        setBusy(false);
        restoreFocus(body, focus, () => body.querySelector('#panel-tags-heading'));
        showError(error, failureContext);
      }
    }
  }

  function acceptTags(labels) {
    return mutate(
      ACCEPT_SUGGESTED_TAGS,
      { id: asset.id, labels },
      'acceptSuggestedTags',
      labels ? `Accepted tag “${labels.join('”, “')}”.` : 'Accepted all suggested tags.',
      'Could not accept the tag',
    );
  }

  function addTags(labels) {
    return mutate(TAG_ASSET, { id: asset.id, add: labels }, 'tagAsset',
      `Added tag${labels.length > 1 ? 's' : ''} “${labels.join('”, “')}”.`, 'Could not add the tag');
  }

  function removeTag(label) {
    return mutate(TAG_ASSET, { id: asset.id, remove: [label] }, 'tagAsset',
      `Removed tag “${label}”.`, 'Could not remove the tag');
  }

  function fact(term, value) {
    return value == null || value === '' ? null : [h('dt', {}, term), h('dd', {}, String(value))];
  }

  function renderImage(current) {
    const image = pickImage(current, current.web ?? current.thumbnail);
    return h(
      'figure',
      { class: 'panel__figure' },
      createPicture({
        src: image.src,
        width: image.width,
        height: image.height,
        blurhash: current.blurhash,
        dominantColor: current.dominantColor,
        alt: `Preview of ${current.filename}`,
        loading: 'eager',
        className: 'picture--panel',
        fallbackText: `No preview for this ${kindLabel(current.kind).toLowerCase()}`,
      }),
      h('figcaption', {},
        h('a', { href: current.originalUrl, target: '_blank', rel: 'noopener', 'data-testid': 'original-link' },
          'Open the original')),
    );
  }

  function renderFacts(current) {
    const rows = [
      fact('Kind', kindLabel(current.kind)),
      fact('Size', formatBytes(current.byteSize)),
      fact('Dimensions', current.width && current.height ? formatDimensions(current.width, current.height) : null),
      fact('Format', current.format ?? current.contentType),
      fact('Content type', current.contentType),
      fact('Colour mode', current.colorMode),
      fact('Duration', current.durationSeconds != null ? formatSeconds(current.durationSeconds) : null),
      fact('Frame rate', current.fps != null ? `${current.fps} fps` : null),
      fact('Codec', current.codec),
      fact('Pages', current.pageCount),
      fact('Added', formatDate(current.createdAt)),
    ];
    return h('dl', { class: 'facts', 'data-testid': 'asset-facts' }, rows);
  }

  function renderRenditions(current) {
    const section = h('section', { class: 'panel__section', 'aria-labelledby': 'panel-renditions-heading' },
      h('h3', { id: 'panel-renditions-heading' }, 'Renditions'));
    if (!current.renditions.length) {
      section.append(h('p', { class: 'muted' }, 'No renditions have been made yet.'));
      return section;
    }
    section.append(h('table', { class: 'table', 'data-testid': 'renditions' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Preset'),
        h('th', { scope: 'col' }, 'Size'),
        h('th', { scope: 'col' }, 'Format'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Link')))),
      h('tbody', {}, current.renditions.map((rendition) => h('tr', { 'data-testid': `rendition-${rendition.preset}` },
        h('th', { scope: 'row' }, rendition.preset),
        h('td', {}, `${rendition.width} × ${rendition.height} · ${formatBytes(rendition.byteSize)}`),
        h('td', {}, rendition.format),
        h('td', {}, h('a', {
          href: rendition.url, target: '_blank', rel: 'noopener', 'aria-label': `Open the ${rendition.preset} rendition`,
        }, 'Open')))))));
    return section;
  }

  function renderTags(current) {
    const suggestions = current.tags.filter((tag) => tag.source === 'AUTO' && !tag.accepted);
    const section = h('section', { class: 'panel__section', 'aria-labelledby': 'panel-tags-heading' },
      h('h3', { id: 'panel-tags-heading', tabindex: '-1' }, 'Tags'));
    if (current.tags.length) {
      section.append(h('ul', { class: 'tags', 'data-testid': 'tag-list' }, current.tags.map((tag) => {
        const suggested = tag.source === 'AUTO' && !tag.accepted;
        return h('li', {
          class: `tag${suggested ? ' tag--suggested' : ''}`,
          'data-testid': `tag-${tag.label}`,
          'data-source': tag.source,
          'data-accepted': String(tag.accepted),
        },
        h('span', { class: 'tag__label' }, tag.label),
        h('span', { class: 'tag__meta' },
          tag.source === 'AUTO' ? `auto ${formatPercent(tag.confidence)}` : 'manual',
          ' · ',
          tag.accepted ? 'accepted' : 'suggested'),
        suggested ? h('button', {
          type: 'button', class: 'button button--small', 'data-testid': `accept-tag-${tag.label}`,
          'aria-label': `Accept tag ${tag.label}`, onclick: () => acceptTags([tag.label]),
        }, 'Accept') : null,
        h('button', {
          type: 'button', class: 'button button--small button--quiet', 'data-testid': `remove-tag-${tag.label}`,
          'aria-label': `Remove tag ${tag.label}`, onclick: () => removeTag(tag.label),
        }, 'Remove'));
      })));
    } else {
      section.append(h('p', { class: 'muted' }, 'No tags yet.'));
    }
    if (suggestions.length > 1) {
      section.append(h('button', {
        type: 'button', class: 'button button--small', 'data-testid': 'accept-all-tags',
        onclick: () => acceptTags(null),
      }, `Accept all ${suggestions.length} suggestions`));
    }
    const input = h('input', {
      id: 'add-tag-input', type: 'text', name: 'tag', autocomplete: 'off', required: true,
      'data-testid': 'add-tag-input', 'aria-describedby': 'add-tag-hint',
    });
    const form = h('form', { class: 'inline-form', 'data-testid': 'add-tag-form' },
      h('label', { for: 'add-tag-input' }, 'Add a tag'),
      h('div', { class: 'inline-form__row' },
        input,
        h('button', { type: 'submit', class: 'button', 'data-testid': 'add-tag-button' }, 'Add tag')),
      h('p', { id: 'add-tag-hint', class: 'hint' }, 'Separate several tags with commas.'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const labels = [...new Set(input.value.split(',').map((label) => label.trim()).filter(Boolean))];
      if (!labels.length) {
        input.focus();
        return;
      }
      addTags(labels);
    });
    section.append(form);
    return section;
  }

  function renderProducts(current) {
    const section = h('section', { class: 'panel__section', 'aria-labelledby': 'panel-products-heading' },
      h('h3', { id: 'panel-products-heading' }, 'Products'));
    if (!current.products.length) {
      section.append(h('p', { class: 'muted' }, 'Not linked to any product.'));
      return section;
    }
    section.append(h('ul', { class: 'plain-list', 'data-testid': 'linked-products' },
      current.products.map((product) => h('li', {},
        h('a', { href: productHash(product.sku), 'data-testid': `product-link-${product.sku}` },
          h('span', { class: 'sku' }, product.sku), ' ', product.name)))));
    return section;
  }

  function render(current) {
    asset = current;
    root.dataset.assetId = current.id;
    title.textContent = current.filename;
    fill(
      body,
      renderImage(current),
      h('div', { class: 'panel__actions' },
        h('button', {
          type: 'button', class: 'button', 'data-testid': 'find-similar',
          onclick: () => onFindSimilar({ id: current.id, filename: current.filename }),
        }, 'Find similar')),
      renderFacts(current),
      renderRenditions(current),
      renderTags(current),
      renderProducts(current),
    );
  }

  return {
    open,
    close,
    isOpen,
    get assetId() {
      return asset?.id ?? root.dataset.assetId ?? null;
    },
  };
}
