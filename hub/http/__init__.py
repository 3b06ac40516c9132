"""HTTP routes beside GraphQL: media delivery and streaming uploads."""
