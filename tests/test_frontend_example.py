"""The typed client example in examples/frontend: graphql-codegen types every operation in
graphql/, `tsc --noEmit` accepts the client that uses them, and its gallery page, served from
another origin, draws a product's images in headless Chromium without a layout shift.

Generated code is made here, never committed (see examples/frontend/README.md); the npm packages
come from `make test` (npm ci). Screenshots land in test-artifacts/."""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import uvicorn
from PIL import Image, ImageStat
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from test_vision import photo

from hub.auth.roles import Role
from hub.config import Settings

from conftest import LiveHub, free_port, issue_token
from test_media_uploads import CREATE_PRODUCT, upload

FRONTEND = Path(__file__).resolve().parent.parent / "examples" / "frontend"
NPM = shutil.which("npm")

pytestmark = [
    pytest.mark.skipif(NPM is None or shutil.which("node") is None,
                       reason="Node.js and npm are not installed: the frontend example is not "
                              "built (install Node.js 20+, then `make test` runs npm ci)"),
    pytest.mark.skipif(not (FRONTEND / "node_modules").is_dir(),
                       reason="examples/frontend/node_modules is missing: run `make frontend` "
                              "(npm ci in examples/frontend)"),
]
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="Chromium is not installed (make browser installs it)")

# Chromium's Cumulative Layout Shift, summed from the first paint on (shifts right after user
# input do not count, as in the metric itself).
LAYOUT_SHIFT_OBSERVER = """
window.layoutShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.layoutShifts.push(entry.value);
  }
}).observe({ type: 'layout-shift', buffered: true });
"""
# Each gallery image's box and state, read in one go so that they describe one moment.
IMAGE_BOXES = """
() => [...document.querySelectorAll('[data-testid=gallery-image]')].map((image) => {
  const box = image.getBoundingClientRect();
  return {
    box: [box.x, box.y, box.width, box.height],
    width: image.width, height: image.height,
    attributes: [image.getAttribute('width'), image.getAttribute('height')],
    srcset: image.getAttribute('srcset'), sizes: image.getAttribute('sizes'),
    background: getComputedStyle(image).backgroundImage,
    loaded: image.complete && image.naturalWidth > 0, naturalWidth: image.naturalWidth,
    currentSrc: image.currentSrc,
  };
})
"""
ALL_LOADED = """
() => [...document.querySelectorAll('[data-testid=gallery-image]')]
  .every((image) => image.complete && image.naturalWidth > 0)
"""


def npm_run(script: str) -> str:
    assert NPM is not None
    done = subprocess.run([NPM, "run", "--silent", script], cwd=FRONTEND, capture_output=True,
                          text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"npm run {script} failed:\n{output}"
    return output


@pytest.fixture(scope="module")
def generated() -> None:
    """Types for every operation in graphql/, from graphql/schema.graphql."""
    npm_run("codegen")


@pytest.fixture(scope="module")
def compiled(generated: None) -> None:
    """dist/: what index.html loads."""
    npm_run("compile")


class StaticSite:
    """examples/frontend served as static files on a port (an origin) of its own."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = Starlette(routes=[Mount("/", app=StaticFiles(directory=directory, html=True))])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> StaticSite:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "no static server"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def site() -> Iterator[StaticSite]:
    served = StaticSite(FRONTEND).start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def gallery_hub(hub_settings: Settings, site: StaticSite) -> Iterator[LiveHub]:
    """A hub that lets the example's origin call /graphql (CORS, with the Authorization header)."""
    live = LiveHub(hub_settings.model_copy(update={"cors_origins": [site.url]})).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.add_init_script(LAYOUT_SHIFT_OBSERVER)
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


class HeldImages:
    """Holds every image transform request until `release()`, so the test sees the page as
    it is before any image arrives, however fast the hub answers."""

    def __init__(self) -> None:
        self.held: list[Any] = []
        self.released = False

    def __call__(self, route: Any) -> None:
        if self.released:
            route.continue_()
        else:
            self.held.append(route)

    def wait_for(self, page: Any, count: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.held) < count:
            assert time.monotonic() < deadline, f"{len(self.held)} of {count} images requested"
            page.wait_for_timeout(50)  # lets Playwright deliver route events to __call__

    def release(self) -> None:
        self.released = True
        for route in self.held:
            route.continue_()


def widths(srcset: str) -> list[int]:
    return [int(candidate.rsplit(" ", 1)[1].removesuffix("w"))
            for candidate in srcset.split(", ")]


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_typed_client_typechecks(generated: None) -> None:
    """tsc --noEmit in strict mode, over the client, the page and src/type-tests.ts (whose
    @ts-expect-error lines prove that the generated types reject wrong variables and fields)."""
    npm_run("typecheck")
    typed = (FRONTEND / "src" / "generated" / "graphql.ts").read_text()
    assert "export const ProductGalleryDocument" in typed
    assert "export type ProductGalleryQuery = " in typed


@needs_chromium
def test_the_gallery_page_reserves_each_box_and_paints_a_placeholder_first(
    compiled: None, page: Any, gallery_hub: LiveHub, site: StaticSite, sku_prefix: str
) -> None:
    from playwright.sync_api import expect

    sku = f"{sku_prefix}-GALLERY"
    gallery_hub.ok(CREATE_PRODUCT, {"input": {"sku": sku, "name": "Gallery sofa"}})
    # Landscape, square and portrait, each wide enough for several srcset widths.
    for name, size, role in [("coffee", (1500, 1000), None), ("astronaut", (1200, 1200), "GALLERY"),
                             ("rocket", (800, 1200), "GALLERY")]:
        upload(gallery_hub, photo(name, sku, size), f"{sku}-{name}.jpg", sku=sku, role=role)
    reader = issue_token(gallery_hub.settings, Role.READER, "frontend example")
    images = HeldImages()
    page.route(lambda url: "/transform?" in url, images)

    query = urlencode({"hub": gallery_hub.url, "token": reader, "sku": sku})
    page.goto(f"{site.url}/?{query}")
    expect(page.get_by_test_id("status")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("gallery-image")).to_have_count(3)
    images.wait_for(page, 3)
    # The boxes exist once the one query has answered; every image is still held back.
    before = page.evaluate(IMAGE_BOXES)
    assert "token" not in page.url
    assert [image["attributes"] for image in before] == [
        ["1500", "1000"], ["1200", "1200"], ["800", "1200"]]
    for image in before:
        assert not image["loaded"]
        # The final box already: a grid column wide, as tall as the photo's aspect ratio says.
        _, _, width, height = image["box"]
        natural_width, natural_height = map(int, image["attributes"])
        assert 250 < width < 320 and abs(height - width * natural_height / natural_width) < 1
        assert len(widths(image["srcset"])) >= 3, image["srcset"]
        assert "vw" in image["sizes"]
        assert image["background"].startswith('url("data:image/png;base64,')
    shot(page, "frontend-gallery-placeholders")
    for element in page.get_by_test_id("gallery-image").all():
        placeholder = Image.open(io.BytesIO(element.screenshot())).convert("RGB")
        # The blurhash, not the white page: a soft gradient of the photo's colours.
        colors = placeholder.getcolors(maxcolors=1 << 16)
        assert colors is None or len(colors) > 20
        assert max(ImageStat.Stat(placeholder).mean) < 250

    images.release()
    page.wait_for_function(ALL_LOADED, timeout=60_000)
    after = page.evaluate(IMAGE_BOXES)
    shot(page, "frontend-gallery")

    assert [image["box"] for image in after] == [image["box"] for image in before]
    assert page.evaluate("window.layoutShifts") == []
    for image in after:
        assert image["naturalWidth"] > 0
        chosen = image["currentSrc"]
        assert chosen in image["srcset"] and "/transform?w=320&" in chosen  # ~299 CSS px at 1x


@needs_chromium
def test_the_gallery_page_shows_the_error_code_of_a_refused_token(
    compiled: None, page: Any, gallery_hub: LiveHub, site: StaticSite
) -> None:
    from playwright.sync_api import expect

    query = urlencode({"hub": gallery_hub.url, "token": "hub_wrong", "sku": "ANY"})
    page.goto(f"{site.url}/?{query}")

    status = page.get_by_test_id("status")
    expect(status).to_have_attribute("data-state", "error")
    expect(status).to_contain_text("UNAUTHENTICATED")
    expect(page.get_by_test_id("gallery-image")).to_have_count(0)
