// Renders a product gallery from one ProductGallery answer, without layout shift: every <img>
// gets the original's width/height (the browser derives the box's aspect ratio before a byte
// arrives), a blurhash painted behind it, and a srcset + sizes so it downloads one fitting width.

import { blurhashDataUrl } from './blurhash.js';
import type { GalleryAsset, GalleryProduct } from './hub-client.js';

/**
 * How wide each image is drawn, for the browser's srcset choice. It mirrors style.css: a page
 * at most 960px wide with 16px padding, 16px gaps, and 3, 2 or 1 columns.
 */
export const GALLERY_SIZES = [
  '(min-width: 960px) 299px',
  '(min-width: 720px) calc((100vw - 64px) / 3)',
  '(min-width: 480px) calc((100vw - 48px) / 2)',
  'calc(100vw - 32px)',
].join(', ');

/** An image that can be drawn in a stable box: the query answered its size and srcset. */
type SizedImage = GalleryAsset & { width: number; height: number; srcSet: string };

function isSizedImage(asset: GalleryAsset): asset is SizedImage {
  return asset.kind === 'IMAGE' && asset.width != null && asset.height != null
    && asset.srcSet != null;
}

function galleryImage(asset: SizedImage, alt: string): HTMLImageElement {
  const image = document.createElement('img');
  image.dataset['testid'] = 'gallery-image';
  image.dataset['assetId'] = asset.id;
  image.alt = alt;
  // The original's size reserves the box before a byte arrives. The explicit aspect-ratio keeps
  // it once one has: a 320w rendition is 320×213, not 1.5:1, and the browser's default
  // (`auto w / h`) would switch to the loaded file's ratio and move everything below by a hair.
  image.width = asset.width;
  image.height = asset.height;
  image.style.aspectRatio = `${asset.width} / ${asset.height}`;
  const placeholder = asset.blurhash
    ? blurhashDataUrl(asset.blurhash, asset.aspectRatio ?? asset.width / asset.height)
    : null;
  if (placeholder) image.style.backgroundImage = `url("${placeholder}")`;
  if (asset.dominantColor) image.style.backgroundColor = asset.dominantColor;
  // The placeholder must not show through transparent pixels once the image is there.
  image.addEventListener('load', () => {
    image.style.background = 'none';
  }, { once: true });
  image.decoding = 'async';
  // sizes before srcset: the browser may pick a candidate as soon as srcset is set.
  image.sizes = GALLERY_SIZES;
  image.srcset = asset.srcSet;
  image.src = asset.fallback;  // for the rare browser without srcset
  return image;
}

/** Replaces `container`'s content with the product's images, in role and position order. */
export function renderGallery(container: HTMLElement, product: GalleryProduct): number {
  const figures: HTMLElement[] = [];
  for (const { role, position, asset } of product.assets) {
    if (!isSizedImage(asset)) continue;
    const label = `${role.toLowerCase()} ${position}`;
    const figure = document.createElement('figure');
    figure.dataset['testid'] = 'gallery-item';
    figure.dataset['role'] = role;
    const caption = document.createElement('figcaption');
    caption.textContent = label;
    figure.append(galleryImage(asset, `${product.name}, ${label}`), caption);
    figures.push(figure);
  }
  const heading = document.createElement('h2');
  heading.textContent = `${product.name} (${product.sku})`;
  const grid = document.createElement('div');
  grid.className = 'gallery';
  grid.append(...figures);
  container.replaceChildren(heading, grid);
  return figures.length;
}
