// Every GraphQL operation the page sends. Names, fields and arguments follow
// graphql/schema.graphql; fragments are appended to the operations that spread them.

/** What a grid card needs: a thumbnail with its size and a placeholder. */
export const CARD_ASSET_FRAGMENT = `
fragment CardAsset on Asset {
  id
  kind
  filename
  contentType
  width
  height
  aspectRatio
  blurhash
  dominantColor
  originalUrl
  thumbnail: rendition(preset: "thumbnail") { url width height }
}`;

/** What the asset panel shows (a superset of a card, so cards can be refreshed from it). */
export const PANEL_ASSET_FRAGMENT = `
fragment PanelAsset on Asset {
  ...CardAsset
  byteSize
  format
  colorMode
  hasAlpha
  durationSeconds
  fps
  codec
  pageCount
  createdAt
  web: rendition(preset: "web") { url width height }
  renditions { preset width height format contentType byteSize url }
  tags { label confidence source accepted }
  products { id sku name }
}`;

export const ASSETS_PAGE = `
query AssetsPage($first: Int!, $after: String, $filter: AssetFilter) {
  assets(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { ...CardAsset } }
    pageInfo { hasNextPage endCursor }
  }
}
${CARD_ASSET_FRAGMENT}`;

export const SEARCH_ASSETS = `
query SearchAssets($query: String!, $mode: SearchMode!, $first: Int!, $filter: AssetFilter) {
  searchAssets(query: $query, mode: $mode, first: $first, filter: $filter) {
    score
    asset { ...CardAsset }
  }
}
${CARD_ASSET_FRAGMENT}`;

export const SIMILAR_ASSETS = `
query SimilarAssets($assetId: ID!, $first: Int!) {
  similarAssets(assetId: $assetId, first: $first) {
    score
    asset { ...CardAsset }
  }
}
${CARD_ASSET_FRAGMENT}`;

export const ASSET_FACETS = `
query AssetFacets($query: String, $filter: AssetFilter) {
  assetFacets(query: $query, filter: $filter) {
    kinds { value count }
    tags { value count }
    skus { value count }
  }
}`;

export const ASSET_DETAIL = `
query AssetDetail($id: ID!) {
  asset(id: $id) { ...PanelAsset }
}
${PANEL_ASSET_FRAGMENT}
${CARD_ASSET_FRAGMENT}`;

export const ACCEPT_SUGGESTED_TAGS = `
mutation AcceptSuggestedTags($id: ID!, $labels: [String!]) {
  acceptSuggestedTags(id: $id, labels: $labels) { ...PanelAsset }
}
${PANEL_ASSET_FRAGMENT}
${CARD_ASSET_FRAGMENT}`;

export const TAG_ASSET = `
mutation TagAsset($id: ID!, $add: [String!], $remove: [String!]) {
  tagAsset(id: $id, add: $add, remove: $remove) { ...PanelAsset }
}
${PANEL_ASSET_FRAGMENT}
${CARD_ASSET_FRAGMENT}`;

export const PRODUCT_VIEW = `
query ProductView($sku: String!) {
  product(sku: $sku) {
    id
    sku
    name
    description
    mainImage {
      id
      filename
      width
      height
      blurhash
      dominantColor
      originalUrl
      web: rendition(preset: "web") { url width height }
    }
    assets {
      role
      position
      asset {
        id
        kind
        filename
        width
        height
        blurhash
        dominantColor
        originalUrl
        rendition(preset: "thumbnail") { url width height }
      }
    }
  }
}`;

export const UPLOAD_ASSET = `
mutation UploadAsset($file: Upload!, $sku: String) {
  uploadAsset(file: $file, sku: $sku) { ...CardAsset }
}
${CARD_ASSET_FRAGMENT}`;

export const JOB_FRAGMENT = `
fragment JobRow on Job {
  id
  kind
  state
  total
  processed
  failed
  ratePerSecond
  etaSeconds
  createdAt
  cancelRequested
  error
}`;

export const JOBS = `
query Jobs($first: Int!) {
  jobs(first: $first) { ...JobRow }
}
${JOB_FRAGMENT}`;

/** A job's progress, live: the job now, then at each change until it has ended. */
export const JOB_PROGRESS = `
subscription JobProgress($id: ID!) {
  jobProgress(id: $id) { ...JobRow }
}
${JOB_FRAGMENT}`;

export const START_AUTO_TAG_JOB = `
mutation StartAutoTagJob($onlyUntagged: Boolean!) {
  startAutoTagJob(onlyUntagged: $onlyUntagged) { id kind state }
}`;

export const CANCEL_JOB = `
mutation CancelJob($id: ID!) {
  cancelJob(id: $id) { id state cancelRequested }
}`;

/** Who the page's token belongs to (shown in the header). */
export const VIEWER = `
query Viewer {
  viewer { label role }
}`;
