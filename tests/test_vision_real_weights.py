"""With real CLIP weights (ViT-B-32, LAION-2B) in the local cache, labels and meaning search
make sense to a person. The weights cannot be downloaded here: skipped, saying why, without
them (`hub models fetch` where internet exists)."""

from __future__ import annotations

import pytest
from PIL import Image

from hub.vision.base import ModelWeightsMissing
from hub.vision.cache import ModelCache
from hub.vision.labels import ZeroShotLabeler, load_vocabulary
from hub.vision.settings import VisionSettings

REAL = VisionSettings(architecture="ViT-B-32", pretrained="laion2b_s34b_b79k")


@pytest.fixture(scope="module")
def real_model():  # type: ignore[no-untyped-def]
    try:
        return ModelCache().get(REAL)
    except ModelWeightsMissing as error:
        pytest.skip(f"real CLIP weights are not available here: {error}")


def test_a_cat_photo_is_labelled_and_found_by_meaning(real_model) -> None:  # type: ignore[no-untyped-def]
    from skimage import data

    cat = Image.fromarray(data.chelsea())
    rocket = Image.fromarray(data.rocket())
    images = real_model.embed_images([cat, rocket])
    texts = real_model.embed_texts(["a photo of a cat", "a photo of a rocket"])

    similarity = images @ texts.T
    assert similarity[0, 0] > similarity[0, 1] and similarity[1, 1] > similarity[1, 0]
    labeler = ZeroShotLabeler(model=real_model, vocabulary=load_vocabulary())
    scene = [s for s in labeler.suggest(images[:1])[0] if s.group == "scene"]
    assert scene and 0 < scene[0].confidence <= 1
