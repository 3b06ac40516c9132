// A small BlurHash decoder (https://blurha.sh), typed from the asset browser's
// hub/web/blurhash.js: base83 digits, one DC and up to 80 AC cosine components, decoded in
// linear light and written back as sRGB. No dependency, so the page needs no bundler.

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';
const VALUES = new Map([...DIGITS].map((character, index) => [character, index]));

type Linear = readonly [number, number, number];

function decode83(text: string): number {
  let value = 0;
  for (const character of text) {
    const digit = VALUES.get(character);
    if (digit === undefined) throw new Error(`invalid blurhash character ${character}`);
    value = value * 83 + digit;
  }
  return value;
}

function sRGBToLinear(value: number): number {
  const v = value / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function linearToSRGB(value: number): number {
  const v = Math.max(0, Math.min(1, value));
  return v <= 0.0031308
    ? Math.trunc(v * 12.92 * 255 + 0.5)
    : Math.trunc((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5);
}

function signPow(value: number, exponent: number): number {
  return Math.sign(value) * Math.abs(value) ** exponent;
}

/** The number of components across and down, or null when `hash` is not a valid BlurHash. */
function components(hash: string): { numX: number; numY: number } | null {
  if (hash.length < 6) return null;
  try {
    decode83(hash);
    const sizeFlag = decode83(hash.charAt(0));
    const numY = Math.floor(sizeFlag / 9) + 1;
    const numX = (sizeFlag % 9) + 1;
    return hash.length === 4 + 2 * numX * numY ? { numX, numY } : null;
  } catch {
    return null;
  }
}

/** Decodes `hash` into width × height RGBA pixels, or null when it is not a valid BlurHash. */
export function decodeBlurhash(hash: string, width: number, height: number,
                               punch = 1): Uint8ClampedArray<ArrayBuffer> | null {
  const size = components(hash);
  if (!size || !(width > 0) || !(height > 0)) return null;
  const { numX, numY } = size;
  const maximumValue = (decode83(hash.charAt(1)) + 1) / 166;

  const colors: Linear[] = [];
  const dc = decode83(hash.substring(2, 6));
  colors.push([sRGBToLinear(dc >> 16), sRGBToLinear((dc >> 8) & 255), sRGBToLinear(dc & 255)]);
  for (let i = 1; i < numX * numY; i += 1) {
    const ac = decode83(hash.substring(4 + i * 2, 6 + i * 2));
    const scale = maximumValue * punch;
    colors.push([
      signPow((Math.floor(ac / (19 * 19)) - 9) / 9, 2) * scale,
      signPow((Math.floor(ac / 19) % 19 - 9) / 9, 2) * scale,
      signPow((ac % 19 - 9) / 9, 2) * scale,
    ]);
  }

  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < numY; j += 1) {
        const basisY = Math.cos((Math.PI * y * j) / height);
        for (let i = 0; i < numX; i += 1) {
          const basis = Math.cos((Math.PI * x * i) / width) * basisY;
          const [cr, cg, cb] = colors[i + j * numX] ?? [0, 0, 0];
          r += cr * basis;
          g += cg * basis;
          b += cb * basis;
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
 * `hash` as a PNG data URL at most `longSide` pixels on its longer side, in the image's aspect
 * ratio (stretched over the image's box it lines up with the photo); null when undecodable.
 */
export function blurhashDataUrl(hash: string, aspectRatio: number, longSide = 32): string | null {
  const ratio = Number.isFinite(aspectRatio) && aspectRatio > 0 ? aspectRatio : 1;
  const width = ratio >= 1 ? longSide : Math.max(1, Math.round(longSide * ratio));
  const height = ratio >= 1 ? Math.max(1, Math.round(longSide / ratio)) : longSide;
  const pixels = decodeBlurhash(hash, width, height);
  const canvas = document.createElement('canvas');
  const context = pixels && canvas.getContext('2d');
  if (!pixels || !context) return null;
  canvas.width = width;
  canvas.height = height;
  context.putImageData(new ImageData(pixels, width, height), 0, 0);
  return canvas.toDataURL('image/png');
}
