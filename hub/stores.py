"""Opening and closing the two stores: one AsyncMongoClient and one AsyncElasticsearch.

Passed explicitly to whoever needs them (app lifespan, CLI, tests); never a module global.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from elasticsearch import AsyncElasticsearch
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hub.config import Settings
from hub.indexing.mappings import IndexNames
from hub.indexing.serializers import fast_serializers
from hub.indexing.transport import PatientTransport
from hub.store_calls import MongoCommandCounter
from hub.vision.identity import ModelIdentity, model_identity


@dataclass
class Stores:
    settings: Settings
    mongo: AsyncMongoClient
    db: AsyncDatabase
    es: AsyncElasticsearch
    indices: IndexNames
    vision: ModelIdentity  # the embedding model's id and vector size, for the asset index

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings) -> AsyncIterator[Stores]:
        mongo: AsyncMongoClient = AsyncMongoClient(
            settings.mongo_url,
            serverSelectionTimeoutMS=settings.mongo_timeout_ms,
            connectTimeoutMS=settings.mongo_timeout_ms,
            readPreference=settings.mongo_read_preference,
            retryWrites=settings.mongo_retry_writes,
            tz_aware=True,
            event_listeners=[MongoCommandCounter()],
        )
        es = AsyncElasticsearch(
            settings.es_hosts,
            request_timeout=settings.es_timeout_seconds,
            # A request that finds its node gone is retried on the next one, until every
            # configured node has had its turn; a timeout is not retried (the node may still
            # be working on it). PatientTransport adds paused rounds of the same.
            max_retries=max(1, len(settings.es_hosts) - 1),
            retry_on_timeout=False,
            transport_class=PatientTransport,
            serializers=fast_serializers(),
        )
        try:
            yield cls(
                settings=settings,
                mongo=mongo,
                db=mongo[settings.mongo_database],
                es=es,
                indices=IndexNames(settings.es_index_prefix),
                vision=model_identity(settings.vision),
            )
        finally:
            await es.close()
            await mongo.close()
