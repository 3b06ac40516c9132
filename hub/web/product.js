// The product view: a product's name, description and main image, and its linked assets
// grouped by role. Each asset opens in the asset panel.

import { h, fill } from '/static/dom.js';
import { gql } from '/static/graphql.js';
import { PRODUCT_VIEW } from '/static/operations.js';
import { createPicture, pickImage, thumbnailPicture } from '/static/media.js';
import { showError, showStatus } from '/static/status.js';

const ROLE_LABELS = {
  MAIN: 'Main',
  GALLERY: 'Gallery',
  SWATCH: 'Swatches',
  LIFESTYLE: 'Lifestyle',
  DETAIL: 'Details',
  VIDEO: 'Videos',
  MODEL_3D: '3D models',
  MANUAL: 'Manuals',
};

export function createProductView({ root, title, body, onOpenAsset }) {
  let sequence = 0;
  let currentSku = null;

  body.addEventListener('click', (event) => {
    const button = event.target.closest('[data-testid="product-asset"]');
    if (button && body.contains(button)) onOpenAsset(button.dataset.assetId, button);
  });

  function groupByRole(links) {
    const groups = new Map();
    for (const link of links) {
      if (!groups.has(link.role)) groups.set(link.role, []);
      groups.get(link.role).push(link);
    }
    for (const items of groups.values()) items.sort((a, b) => a.position - b.position);
    return groups;
  }

  function renderAssetButton(link) {
    const { asset } = link;
    const image = pickImage(asset, asset.rendition);
    return h('li', { class: 'grid__item' },
      h('button', {
        type: 'button',
        class: 'card card--small',
        'data-testid': 'product-asset',
        'data-asset-id': asset.id,
        'data-role': link.role,
      },
      thumbnailPicture(asset, image),
      h('span', { class: 'card__name' }, asset.filename),
      h('span', { class: 'card__meta' }, `#${link.position}`)));
  }

  function render(product) {
    title.textContent = product.name;
    const main = product.mainImage;
    const mainImage = main ? pickImage(main, main.web) : null;
    const groups = groupByRole(product.assets);
    fill(
      body,
      h('div', { class: 'product__intro' },
        main ? h('figure', { class: 'product__figure' },
          createPicture({
            src: mainImage.src,
            width: mainImage.width,
            height: mainImage.height,
            blurhash: main.blurhash,
            dominantColor: main.dominantColor,
            alt: `${product.name}: ${main.filename}`,
            loading: 'eager',
            className: 'picture--panel',
          })) : null,
        h('div', { class: 'product__text' },
          h('p', { class: 'sku', 'data-testid': 'product-sku' }, product.sku),
          product.description
            ? h('p', { class: 'product__description', 'data-testid': 'product-description' }, product.description)
            : h('p', { class: 'muted' }, 'No description.'))),
      groups.size === 0 ? h('p', { class: 'muted' }, 'No assets are linked to this product yet.') : null,
      [...groups].map(([role, links]) => h('section', {
        class: 'product__group', 'data-testid': `product-role-${role}`, 'aria-labelledby': `product-role-${role}-heading`,
      },
      h('h3', { id: `product-role-${role}-heading` }, `${ROLE_LABELS[role] ?? role} (${links.length})`),
      h('ul', { class: 'grid grid--small', role: 'list' }, links.map(renderAssetButton)))),
    );
  }

  async function open(sku) {
    const mine = ++sequence;
    currentSku = sku;
    root.dataset.sku = sku;
    title.textContent = sku;
    root.setAttribute('aria-busy', 'true');
    fill(body, h('p', { class: 'muted' }, `Loading product ${sku}…`));
    try {
      const data = await gql(PRODUCT_VIEW, { sku });
      if (mine !== sequence) return;
      if (!data.product) {
        title.textContent = 'Product not found';
        fill(body, h('p', { 'data-testid': 'product-missing' }, `There is no product with SKU “${sku}”.`));
        showStatus(`There is no product with SKU “${sku}”.`, { tone: 'error', code: 'NOT_FOUND' });
        return;
      }
      render(data.product);
    } catch (error) {
      if (mine !== sequence) return;
      title.textContent = 'Could not load the product';
      fill(body, h('p', {}, `The product ${sku} could not be loaded.`));
      showError(error, `Could not load product ${sku}`);
    } finally {
      if (mine === sequence) root.setAttribute('aria-busy', 'false');
    }
  }

  return {
    open,
    /** Forgets answers still on their way (the view was left). */
    leave() {
      sequence += 1;
      currentSku = null;
    },
    get sku() {
      return currentSku;
    },
  };
}
