// A small BlurHash decoder (https://blurha.sh): base83 digits, one DC and up to 80 AC cosine
// components, decoded in linear light and written back as sRGB.

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';
const VALUES = new Map([...DIGITS].map((character, index) => [character, index]));

function decode83(text) {
  let value = 0;
  for (const character of text) {
    const digit = VALUES.get(character);
    if (digit === undefined) throw new Error(`invalid blurhash character ${character}`);
    value = value * 83 + digit;
  }
  return value;
}

function sRGBToLinear(value) {
  const v = value / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function linearToSRGB(value) {
  const v = Math.max(0, Math.min(1, value));
  return v <= 0.0031308
    ? Math.trunc(v * 12.92 * 255 + 0.5)
    : Math.trunc((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5);
}

function signPow(value, exponent) {
  return Math.sign(value) * Math.abs(value) ** exponent;
}

/** True if `hash` is a well-formed BlurHash. */
export function isBlurhashValid(hash) {
  if (typeof hash !== 'string' || hash.length < 6) return false;
  try {
    const sizeFlag = decode83(hash[0]);
    const numY = Math.floor(sizeFlag / 9) + 1;
    const numX = (sizeFlag % 9) + 1;
    decode83(hash);
    return hash.length === 4 + 2 * numX * numY;
  } catch {
    return false;
  }
}

/**
 * Decodes `hash` into width × height RGBA pixels (a Uint8ClampedArray), or returns null
 * when the hash is not valid. `punch` strengthens (> 1) or softens (< 1) the contrast.
 */
export function decodeBlurhash(hash, width, height, punch = 1) {
  if (!isBlurhashValid(hash) || !(width > 0) || !(height > 0)) return null;
  const sizeFlag = decode83(hash[0]);
  const numY = Math.floor(sizeFlag / 9) + 1;
  const numX = (sizeFlag % 9) + 1;
  const maximumValue = (decode83(hash[1]) + 1) / 166;

  const colors = new Array(numX * numY);
  const dc = decode83(hash.substring(2, 6));
  colors[0] = [sRGBToLinear(dc >> 16), sRGBToLinear((dc >> 8) & 255), sRGBToLinear(dc & 255)];
  for (let i = 1; i < colors.length; i += 1) {
    const ac = decode83(hash.substring(4 + i * 2, 6 + i * 2));
    const scale = maximumValue * punch;
    colors[i] = [
      signPow((Math.floor(ac / (19 * 19)) - 9) / 9, 2) * scale,
      signPow((Math.floor(ac / 19) % 19 - 9) / 9, 2) * scale,
      signPow((ac % 19 - 9) / 9, 2) * scale,
    ];
  }

  const pixels = new Uint8ClampedArray(width * height * 4);
  const cosX = new Float64Array(width * numX);
  for (let x = 0; x < width; x += 1) {
    for (let i = 0; i < numX; i += 1) cosX[x * numX + i] = Math.cos((Math.PI * x * i) / width);
  }
  const cosY = new Float64Array(height * numY);
  for (let y = 0; y < height; y += 1) {
    for (let j = 0; j < numY; j += 1) cosY[y * numY + j] = Math.cos((Math.PI * y * j) / height);
  }
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < numY; j += 1) {
        const basisY = cosY[y * numY + j];
        for (let i = 0; i < numX; i += 1) {
          const basis = cosX[x * numX + i] * basisY;
          const color = colors[i + j * numX];
          r += color[0] * basis;
          g += color[1] * basis;
          b += color[2] * basis;
        }
      }
      const offset = 4 * (x + y * width);
      pixels[offset] = linearToSRGB(r);
      pixels[offset + 1] = linearToSRGB(g);
      pixels[offset + 2] = linearToSRGB(b);
      pixels[offset + 3] = 255;
    }
  }
  return pixels;
}

/**
 * Paints `hash` on `canvas` at most 32 pixels on its longer side, keeping the image's
 * aspect ratio (so CSS `object-fit` places it exactly where the image will be).
 * Returns false when the hash cannot be decoded or the canvas has no 2D context.
 */
export function paintBlurhash(canvas, hash, aspectRatio = 1, longSide = 32) {
  const ratio = Number.isFinite(aspectRatio) && aspectRatio > 0 ? aspectRatio : 1;
  const width = ratio >= 1 ? longSide : Math.max(1, Math.round(longSide * ratio));
  const height = ratio >= 1 ? Math.max(1, Math.round(longSide / ratio)) : longSide;
  const pixels = decodeBlurhash(hash, width, height);
  const context = pixels && canvas.getContext('2d');
  if (!context) return false;
  canvas.width = width;
  canvas.height = height;
  context.putImageData(new ImageData(pixels, width, height), 0, 0);
  return true;
}
