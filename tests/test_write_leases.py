"""Write leases taken many at a time, as bulk jobs take them for a chunk of assets, and what an
auto-tag job does when an editor changes an asset while the model is embedding it."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

from test_vision import TAGS, photo, wait_for_embedding

from hub.catalog.locks import EntityLocks
from hub.catalog.outbox import Outbox
from hub.config import Settings
from hub.container import HubServices
from hub.stores import Stores

from conftest import LiveHub
from test_media_uploads import upload

TAG = """
mutation($id: ID!, $add: [String!]) { tagAsset(id: $id, add: $add) { tags { label } } }
"""


def test_overlapping_lease_sets_of_two_processes_never_share_a_key_nor_wait_in_a_circle(
    hub_settings: Settings,
) -> None:
    """Two processes (two lock tables on one database) take overlapping sets, each in an order
    that would deadlock if leases were taken as they come; every holder gets its set, and no key
    is ever held twice at once."""
    keys = [f"lease-test:{uuid.uuid4().hex[:8]}:{n}" for n in range(6)]
    holding: Counter[str] = Counter()
    overlaps: list[str] = []
    rounds = 0

    async def work(locks: EntityLocks, wanted: list[str]) -> None:
        nonlocal rounds
        for _ in range(15):
            async with locks.hold_many(wanted):
                holding.update(wanted)
                overlaps.extend(key for key in wanted if holding[key] > 1)
                await asyncio.sleep(0.002)
                holding.subtract(wanted)
            rounds += 1

    async def main() -> None:
        async with Stores.open(hub_settings) as stores:
            first = EntityLocks(stores.db, wait_seconds=5)
            second = EntityLocks(stores.db, wait_seconds=5)
            await asyncio.gather(
                work(first, keys[:4]), work(second, list(reversed(keys[2:]))),
                work(first, keys[1:5]), work(second, [keys[5], keys[0], keys[3]]))
            assert await stores.db["entity_locks"].count_documents(
                {"_id": {"$in": keys}}) == 0, "every lease is given back"
            async with first.hold_many([]):  # a chunk whose every item failed earlier
                pass

    asyncio.run(main())

    assert rounds == 60
    assert overlaps == []


def test_a_lease_left_by_a_dead_holder_is_taken_over_once_it_expires(
    hub_settings: Settings,
) -> None:
    keys = [f"lease-test:{uuid.uuid4().hex[:8]}:{n}" for n in range(3)]

    async def main() -> float:
        async with Stores.open(hub_settings) as stores:
            dead = EntityLocks(stores.db, lease_seconds=0.5)
            holder = dead.hold_many(keys[1:2])
            await holder.__aenter__()  # and never leaves: its process died
            began = asyncio.get_running_loop().time()
            async with EntityLocks(stores.db, wait_seconds=5).hold_many(keys):
                return asyncio.get_running_loop().time() - began

    waited = asyncio.run(main())

    assert waited >= 0.3, "it waited for the lease to run out"


def test_a_tag_added_while_the_auto_tagger_labels_the_asset_is_kept(
    hub: LiveHub, hub_settings: Settings, sku_prefix: str
) -> None:
    """The job writes its suggestions only onto the asset as it read it; an editor's change in
    between makes it read the asset again and keep that change."""
    marker = sku_prefix.lower()
    asset_id = upload(hub, photo("coffee", marker), f"{marker}-coffee.jpg")["id"]
    wait_for_embedding(hub, asset_id)

    async def auto_tag_while_an_editor_tags() -> dict[str, BaseException | None]:
        async with Stores.open(hub_settings) as stores:
            vision = HubServices.create(stores).vision
            labeler = vision.models.labeler

            async def editor_tags_first():  # type: ignore[no-untyped-def]
                await asyncio.to_thread(hub.ok, TAG, {"id": asset_id, "add": ["Espresso"]})
                return await labeler()

            vision.models.labeler = editor_tags_first  # type: ignore[method-assign]
            return await vision.auto_tag([asset_id])

    outcomes = asyncio.run(auto_tag_while_an_editor_tags())

    assert outcomes == {asset_id: None}
    tags = hub.ok(TAGS, {"id": asset_id})["asset"]["tags"]
    assert {"label": "Espresso", "source": "MANUAL", "accepted": True,
            "confidence": 1.0} in tags
    assert any(tag["source"] == "AUTO" for tag in tags), "and the suggestions are there"


def test_two_chunks_renewing_many_outbox_entries_at_once_leave_the_store_answering(
    hub_settings: Settings,
) -> None:
    """FerretDB 1.24 holds a PostgreSQL connection for each statement of an update command until
    the command ends: two renewals of 32 entries as one command each asked for 64 of its 50
    connections and wedged it for good. Each renewal is its own command."""
    run = uuid.uuid4().hex[:8]
    chunks = [[f"wedge-{run}-{chunk}-{n}" for n in range(32)] for chunk in range(2)]

    async def renew_both_at_once() -> int:
        async with Stores.open(hub_settings) as stores:
            outbox = Outbox(stores.db)
            for ids in chunks:
                await outbox.record_many("asset", ids)  # pending: the next ones renew them
            renewed = await asyncio.wait_for(asyncio.gather(
                *(outbox.record_many("asset", ids) for ids in chunks)), timeout=30)
            await outbox.done([entry for entries in renewed for entry in entries])
            return await stores.db.outbox.count_documents(
                {"entity_id": {"$in": [id_ for ids in chunks for id_ in ids]}})

    assert asyncio.run(renew_both_at_once()) == 0
