"""Image and text embeddings for similarity search, and zero-shot label suggestions.

Knows nothing of the stores: it turns pixels and words into L2-normalised vectors, and vectors
into suggested labels. Everything here is synchronous and may take a while (model loading,
inference); callers on an event loop run it in a thread."""
