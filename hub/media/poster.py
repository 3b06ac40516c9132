"""A still frame of a video, from which the image presets make its posters and thumbnails."""

from __future__ import annotations

from pathlib import Path

import av

from hub.errors import BadUserInput
from hub.media.keyframes import first_frame_at, upright_picture


def write_poster(video: Path, target: Path, *, at_seconds: float = 1.0) -> None:
    """Save the first frame at or after `at_seconds` (or the middle of a shorter video) to
    `target` as PNG, upright as players show it. CPU-bound: callers run it in a thread."""
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            duration = float(container.duration or 0) / av.time_base
            wanted = min(at_seconds, duration / 2) if duration else 0.0
            frame = first_frame_at(container, stream, wanted)
            if frame is not None:
                upright_picture(frame).save(target, "PNG")
                return
    except (av.FFmpegError, IndexError) as error:
        raise BadUserInput(f"no frame could be read from the video: {error}",
                           reason="corrupt_video") from error
    raise BadUserInput("the video has no frame to make a poster from", reason="corrupt_video")
