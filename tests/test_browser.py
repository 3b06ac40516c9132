"""The asset browser page in headless Chromium (Debian's, driven by Playwright): a merchandiser
uploads, searches, opens an asset, finds similar images, opens a product and starts a job.
Screenshots land in test-artifacts/."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_jobs import RERENDER, photos, worker
from test_vision import photo, wait_for_embedding

from hub.auth.roles import Role
from hub.config import Settings

import media_samples as samples
from conftest import Callers, LiveHub, issue_token
from test_media_uploads import CREATE_PRODUCT, upload

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Chromium is not installed (make browser installs it)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def signed_out(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser profile: no token stored yet."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(signed_out, hub: LiveHub) -> object:  # type: ignore[no-untyped-def]
    """The page opened through the sign-in link `hub demo` prints, with an admin token."""
    signed_out.goto(f"{hub.url}/#token={hub.token}")
    return signed_out


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_page_asks_for_a_token_and_signs_in_with_it(
    signed_out, hub: LiveHub, callers: Callers  # type: ignore[no-untyped-def]
) -> None:
    from playwright.sync_api import expect

    upload(hub, samples.coffee_jpeg("sign-in"), "sign-in.jpg")
    reader = issue_token(hub.settings, Role.READER, "Ana (webshop)")
    signed_out.goto(hub.url + "/")
    dialog = signed_out.get_by_test_id("sign-in")
    expect(dialog).to_be_visible()
    expect(signed_out.get_by_test_id("asset-card")).to_have_count(0)

    signed_out.get_by_label("API token", exact=True).fill("hub_wrong")
    signed_out.get_by_test_id("sign-in-submit").click()
    expect(signed_out.get_by_test_id("sign-in-reason")).to_contain_text("not known")
    shot(signed_out, "00-sign-in")

    signed_out.get_by_label("API token", exact=True).fill(reader)
    signed_out.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(signed_out.get_by_test_id("session-who")).to_have_text("Ana (webshop) · reader")
    expect(signed_out.get_by_test_id("asset-card").first).to_be_visible()
    assert "token" not in signed_out.url

    signed_out.get_by_test_id("sign-out").click()
    expect(dialog).to_be_visible()


def test_a_merchandiser_uploads_searches_and_finds_similar_images(
    page, hub: LiveHub, sku_prefix: str, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from playwright.sync_api import expect

    marker = sku_prefix.lower()
    sku = f"{sku_prefix}-CAT"
    hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "Cat cushion"}})
    cat = upload(hub, photo("chelsea", marker), f"{marker}-chelsea.jpg")["id"]
    upload(hub, photo("coffee", marker), f"{marker}-coffee.jpg")
    wait_for_embedding(hub, cat)
    page.reload()  # the page loaded before these uploads
    expect(page.get_by_test_id("asset-card").first).to_be_visible()

    dropped = tmp_path / f"{marker}-copy.jpg"
    dropped.write_bytes(photo("chelsea", f"{marker}-copy", (300, 200), quality=60))
    page.get_by_test_id("upload-sku").fill(sku)
    page.get_by_test_id("file-input").set_input_files(str(dropped))
    expect(page.locator("[data-testid=upload-item][data-state=done]")).to_have_count(1,
                                                                                   timeout=30_000)
    shot(page, "01-uploaded")

    page.get_by_test_id("search-input").fill(f"{marker} chelsea")
    page.get_by_test_id("search-mode").select_option("KEYWORD")
    page.get_by_test_id("search-button").click()
    card = page.locator(f"[data-testid=asset-card][data-asset-id='{cat}']")
    expect(card).to_be_visible()
    shot(page, "02-search")

    card.click()
    panel = page.get_by_test_id("asset-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(f"{marker}-chelsea.jpg")
    shot(page, "03-asset-panel")

    page.get_by_test_id("find-similar").click()
    expect(page.get_by_test_id("results-heading")).to_contain_text("Similar to")
    first = page.get_by_test_id("asset-card").first
    expect(first.get_by_test_id("asset-card-filename")).to_contain_text(f"{marker}-copy.jpg")
    shot(page, "04-similar")

    page.get_by_test_id("product-sku-input").fill(sku)
    page.get_by_test_id("open-product").click()
    product = page.get_by_test_id("product-view")
    expect(product).to_contain_text("Cat cushion")
    expect(product.get_by_test_id("product-asset")).to_have_count(1)
    shot(page, "05-product")


def test_an_operator_starts_an_auto_tag_job_and_sees_it_listed(
    page, hub: LiveHub  # type: ignore[no-untyped-def]
) -> None:
    from playwright.sync_api import expect

    upload(hub, samples.coffee_jpeg("browser-jobs"), "browser-jobs.jpg")
    page.get_by_test_id("open-jobs").click()
    expect(page.get_by_test_id("jobs-view")).to_be_visible()
    page.get_by_test_id("start-auto-tag").click()
    row = page.locator("[data-testid=job-row]").first
    expect(row).to_contain_text("Auto-tag")
    expect(row).to_have_attribute("data-state", "QUEUED")
    shot(page, "06-jobs")

    job_id = row.get_attribute("data-job-id")
    page.get_by_test_id(f"cancel-job-{job_id}").click()
    expect(page.locator(f"[data-testid=job-row][data-job-id='{job_id}']")).to_have_attribute(
        "data-state", "CANCELLED")


def test_a_job_s_progress_updates_live_without_reloading(
    page, hub: LiveHub, hub_settings: Settings, sku_prefix: str  # type: ignore[no-untyped-def]
) -> None:
    from playwright.sync_api import expect

    marker = sku_prefix.lower()
    photos(hub, marker, 3)
    job = hub.ok(RERENDER, {"filter": {"text": marker}})["startRerenderJob"]
    events: list[dict] = []
    list_loads: list[str] = []

    def on_frame(payload: str | bytes) -> None:
        message = json.loads(payload)
        if message.get("type") == "next" and "jobProgress" in message["payload"]["data"]:
            events.append(message["payload"]["data"]["jobProgress"])

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    page.on("request", lambda request: list_loads.append(request.url)
            if "query Jobs" in (request.post_data or "") else None)
    page.evaluate("window.sameDocument = true")
    page.get_by_test_id("open-jobs").click()
    row = page.locator(f"[data-testid=job-row][data-job-id='{job['id']}']")
    expect(row).to_have_attribute("data-state", "QUEUED")
    expect(row).to_contain_text("0 / 3")
    with worker(hub_settings):
        expect(row).to_have_attribute("data-state", "SUCCEEDED", timeout=120_000)
    expect(row).to_contain_text("3 / 3")
    shot(page, "07-job-live")

    assert page.evaluate("window.sameDocument") is True, "the page was not reloaded"
    assert len(list_loads) == 1, "the list loaded once; the rest came over the WebSocket"
    mine = [event for event in events if event["id"] == job["id"]]
    assert mine[0]["state"] == "QUEUED" and mine[-1]["state"] == "SUCCEEDED"
    counts = [event["processed"] for event in mine]
    assert counts == sorted(counts) and counts[-1] == 3


def test_errors_are_shown_with_their_code(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.get_by_test_id("product-sku-input").fill("NO-SUCH-SKU-AT-ALL")
    page.get_by_test_id("open-product").click()
    expect(page.get_by_test_id("product-view")).to_be_visible()
    expect(page.get_by_test_id("product-missing")).to_be_visible()
