"""How request and response bodies cross the wire to Elasticsearch: orjson for both kinds.

elasticsearch-py encodes with the standard library's json unless told otherwise, and bulk
bodies (one JSON document per line) always do. An asset document carries its vector as
hundreds of JSON numbers, which the standard encoder spent more time on than everything
else the hub does to index it; orjson writes the same JSON several times faster."""

from __future__ import annotations

from typing import Any

import orjson
from elasticsearch.serializer import NdjsonSerializer, OrjsonSerializer, Serializer


class OrjsonNdjsonSerializer(NdjsonSerializer):
    """Bulk bodies: NdjsonSerializer's lines, each encoded (and decoded) by orjson."""

    def json_dumps(self, data: Any) -> bytes:
        return orjson.dumps(data, default=self.default, option=orjson.OPT_SERIALIZE_NUMPY)

    def json_loads(self, data: bytes) -> Any:
        return orjson.loads(data)


def fast_serializers() -> dict[str, Serializer]:
    """The client's `serializers` argument (its compatibility-mode twins follow them)."""
    return {OrjsonSerializer.mimetype: OrjsonSerializer(),
            OrjsonNdjsonSerializer.mimetype: OrjsonNdjsonSerializer()}
