// A typed GraphQL client for the hub in a few lines: the operations live in graphql/*.graphql,
// graphql-codegen turns each into a TypedDocumentString that carries its result and variables
// types, and `execute` infers both from the document it is given.

import {
  ProductGalleryDocument,
  type ProductGalleryQuery,
  type TypedDocumentString,
} from './generated/graphql.js';

/** A GraphQL error as the hub sends it: clients switch on `extensions.code`, not the message. */
export interface HubErrorBody {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A failed operation: the first error's code (e.g. UNAUTHENTICATED) and the HTTP status. */
export class HubError extends Error {
  readonly code: string;
  readonly status: number;
  readonly errors: readonly HubErrorBody[];

  constructor(message: string, options: { code: string; status: number;
                                          errors?: readonly HubErrorBody[] }) {
    super(message);
    this.name = 'HubError';
    this.code = options.code;
    this.status = options.status;
    this.errors = options.errors ?? [];
  }
}

interface GraphQLResponse<TResult> {
  data?: TResult | null;
  errors?: HubErrorBody[];
}

/** Runs one operation against `<hubUrl>/graphql` with a bearer token (every operation needs one). */
export async function execute<TResult, TVariables>(
  hubUrl: string,
  token: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  signal?: AbortSignal,
): Promise<TResult> {
  const response = await fetch(new URL('/graphql', hubUrl), {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: document.toString(), variables }),
    signal: signal ?? null,
  });
  let body: GraphQLResponse<TResult>;
  try {
    body = (await response.json()) as GraphQLResponse<TResult>;
  } catch {
    // A proxy's HTML error page, say: name the status instead of a JSON parse error.
    throw new HubError(`the hub answered HTTP ${response.status} without JSON`,
                       { code: 'BAD_RESPONSE', status: response.status });
  }
  const [first] = body.errors ?? [];
  if (first) {
    throw new HubError(first.message, { code: first.extensions?.code ?? 'UNKNOWN',
                                        status: response.status, errors: body.errors ?? [] });
  }
  if (!response.ok || body.data == null) {
    throw new HubError(`the hub answered HTTP ${response.status} without data`,
                       { code: 'BAD_RESPONSE', status: response.status });
  }
  return body.data;
}

/** The product of a ProductGallery answer; null when no product has the SKU. */
export type GalleryProduct = NonNullable<ProductGalleryQuery['product']>;
export type GalleryAsset = GalleryProduct['assets'][number]['asset'];

/** One product with every linked asset, its size, placeholder and srcset, in one request. */
export async function fetchProductGallery(
  sku: string,
  token: string,
  hubUrl: string = window.location.origin,
  signal?: AbortSignal,
): Promise<GalleryProduct | null> {
  const data = await execute(hubUrl, token, ProductGalleryDocument, { sku }, signal);
  return data.product;
}
