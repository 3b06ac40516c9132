// Compile-time checks that the generated types constrain the client: each line below must be
// a type error, and tsc fails if one stops being one (an unused @ts-expect-error).

import { execute, fetchProductGallery, type GalleryAsset } from './hub-client.js';
import { ProductGalleryDocument } from './generated/graphql.js';

export async function typeTests(asset: GalleryAsset): Promise<void> {
  // @ts-expect-error: the SKU is a string
  await fetchProductGallery(42, 'token');
  // @ts-expect-error: the operation's variable is `sku`, not `id`
  await execute('http://hub', 'token', ProductGalleryDocument, { id: '1' });
  // @ts-expect-error: ProductGallery does not ask for the description
  void (await fetchProductGallery('SKU', 'token'))?.description;
  // @ts-expect-error: width is null for assets without one (videos, PDFs): check first
  const width: number = asset.width;
  void width;
}
