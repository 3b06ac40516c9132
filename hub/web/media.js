// An image in a fixed frame with a BlurHash placeholder painted behind it until it loads.
// The frame reserves its space (CSS), the <img> carries width/height, and both the canvas
// and the image use object-fit: contain, so the placeholder sits exactly under the picture.

import { paintBlurhash } from '/static/blurhash.js';
import { h } from '/static/dom.js';
import { kindLabel } from '/static/format.js';

/**
 * The image a thumbnail should show: the rendition if made, else the original for images
 * (other kinds have no displayable original).
 */
export function pickImage(asset, rendition) {
  if (rendition?.url) return { src: rendition.url, width: rendition.width, height: rendition.height };
  const kind = asset?.kind;
  const type = asset?.contentType;
  const isImage = kind ? kind === 'IMAGE' : type ? type.startsWith('image/') : true;
  if (asset?.originalUrl && isImage) {
    return { src: asset.originalUrl, width: asset.width ?? null, height: asset.height ?? null };
  }
  return { src: null, width: asset?.width ?? null, height: asset?.height ?? null };
}

export function createPicture({
  src,
  width,
  height,
  blurhash,
  dominantColor,
  alt = '',
  loading = 'lazy',
  className = '',
  fallbackText = 'No preview',
}) {
  const ratio = width > 0 && height > 0 ? width / height : 1;
  const frame = h('span', {
    class: `picture ${className}`.trim(),
    style: dominantColor ? { '--placeholder': dominantColor } : null,
  });
  let canvas = null;
  if (blurhash) {
    canvas = h('canvas', { class: 'picture__placeholder', 'aria-hidden': 'true' });
    if (paintBlurhash(canvas, blurhash, ratio)) frame.append(canvas);
    else canvas = null;
  }
  const showFallback = () => {
    frame.classList.add('is-empty');
    if (!frame.querySelector('.picture__fallback')) {
      frame.append(h('span', { class: 'picture__fallback' }, fallbackText));
    }
  };
  if (!src) {
    showFallback();
    return frame;
  }
  const img = document.createElement('img');
  img.className = 'picture__img';
  // `loading` must be set before `src`, or the browser starts fetching at once.
  img.loading = loading;
  img.decoding = 'async';
  img.alt = alt;
  if (width > 0 && height > 0) {
    img.width = width;
    img.height = height;
  }
  const loaded = () => {
    frame.classList.add('is-loaded');
    if (canvas) setTimeout(() => { canvas.hidden = true; }, 300);
  };
  img.addEventListener('load', loaded, { once: true });
  img.addEventListener('error', () => {
    img.hidden = true;
    showFallback();
  }, { once: true });
  img.src = src;
  frame.append(img);
  if (img.complete && img.naturalWidth > 0) loaded();
  return frame;
}

/** A card's square thumbnail over its blurhash placeholder (grid and product view alike). */
export function thumbnailPicture(asset, image) {
  return createPicture({
    src: image.src,
    width: image.width,
    height: image.height,
    blurhash: asset.blurhash,
    dominantColor: asset.dominantColor,
    className: 'picture--square',
    fallbackText: kindLabel(asset.kind),
  });
}
