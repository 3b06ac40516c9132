"""Live updates for GraphQL subscriptions: watches that poll MongoDB.

FerretDB 1.24 has no change streams (`$changeStream` answers NotImplemented), and an in-process
bus would miss work done by `hub worker` processes and other API processes. Polling the one
document a subscription is about, by `_id`, sees every writer and costs one short read per
subscription per interval."""
