"""HEIC/HEIF support for Pillow, switched on at first use by whoever decodes images."""

from __future__ import annotations

import functools


@functools.cache
def enable_heif() -> bool:
    """Teach Pillow HEIC on first use only: most uploads never need it, and it may be absent."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True
