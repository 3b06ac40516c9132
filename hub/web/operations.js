// Written by `make schema` from graphql/operations/*.graphql: edit those files, not this one.
// Every GraphQL operation the asset browser sends, with the fragments it spreads appended.

export const ACCEPT_SUGGESTED_TAGS = `
mutation AcceptSuggestedTags($id: ID!, $labels: [String!]) {
  acceptSuggestedTags(id: $id, labels: $labels) { ...PanelAsset }
}

# What the asset panel shows (a superset of a card, so cards can be refreshed from it).
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
}

# What a grid card needs: a thumbnail with its size and a placeholder.
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
}
`;

export const ASSET_DETAIL = `
query AssetDetail($id: ID!) {
  asset(id: $id) { ...PanelAsset }
}

# What the asset panel shows (a superset of a card, so cards can be refreshed from it).
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
}

# What a grid card needs: a thumbnail with its size and a placeholder.
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
}
`;

export const ASSET_FACETS = `
query AssetFacets($query: String, $filter: AssetFilter) {
  assetFacets(query: $query, filter: $filter) {
    kinds { value count }
    tags { value count }
    skus { value count }
  }
}
`;

export const BROWSE_ASSETS = `
query BrowseAssets($first: Int!, $after: String, $filter: AssetFilter) {
  assets(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { ...CardAsset } }
    pageInfo { hasNextPage endCursor }
  }
}

# What a grid card needs: a thumbnail with its size and a placeholder.
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
}
`;

export const CANCEL_JOB = `
mutation CancelJob($id: ID!) {
  cancelJob(id: $id) { id state cancelRequested }
}
`;

export const JOBS = `
query Jobs($first: Int!) {
  jobs(first: $first) { ...JobRow }
}

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
}
`;

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
}
`;

export const SEARCH_ASSETS = `
query SearchAssets($query: String!, $mode: SearchMode!, $first: Int!, $filter: AssetFilter) {
  searchAssets(query: $query, mode: $mode, first: $first, filter: $filter) {
    score
    asset { ...CardAsset }
  }
}

# What a grid card needs: a thumbnail with its size and a placeholder.
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
}
`;

export const SIMILAR_ASSETS = `
query SimilarAssets($assetId: ID!, $first: Int!) {
  similarAssets(assetId: $assetId, first: $first) {
    score
    asset { ...CardAsset }
  }
}

# What a grid card needs: a thumbnail with its size and a placeholder.
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
}
`;

export const START_AUTO_TAG_JOB = `
mutation StartAutoTagJob($onlyUntagged: Boolean!) {
  startAutoTagJob(onlyUntagged: $onlyUntagged) { id kind state }
}
`;

export const TAG_ASSET = `
mutation TagAsset($id: ID!, $add: [String!], $remove: [String!]) {
  tagAsset(id: $id, add: $add, remove: $remove) { ...PanelAsset }
}

# What the asset panel shows (a superset of a card, so cards can be refreshed from it).
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
}

# What a grid card needs: a thumbnail with its size and a placeholder.
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
}
`;

export const UPLOAD_DROPPED_FILE = `
mutation UploadDroppedFile($file: Upload!, $sku: String) {
  uploadAsset(file: $file, sku: $sku) { ...CardAsset }
}

# What a grid card needs: a thumbnail with its size and a placeholder.
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
}
`;

export const VIEWER = `
# Who the page's token belongs to (shown in the header).
query Viewer {
  viewer { label role }
}
`;

export const WATCH_JOB_PROGRESS = `
# A job's progress, live: the job now, then at each change until it has ended.
subscription WatchJobProgress($id: ID!) {
  jobProgress(id: $id) { ...JobRow }
}

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
}
`;
