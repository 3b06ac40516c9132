"""Frames of a video for the vision model: a few stills spread over its length, so that a picture
of any of its scenes finds the video, and its labels describe more than its first second."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image

from hub.errors import BadUserInput


@dataclass(frozen=True)
class VideoFrame:
    at_seconds: float
    image: Image.Image  # RGB, its short side at most `short_side` pixels


def read_keyframes(video: Path, count: int, *, short_side: int = 336) -> list[VideoFrame]:
    """`count` frames evenly spaced over the video (at the middle of each of `count` equal
    spans), each the first frame at or after its moment, reached by seeking: a long video
    costs a few seeks, not a decode of every frame. Shrunk on decode (the model takes 224 px).
    CPU-bound: callers run it in a thread."""
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            duration = video_duration(container, stream)
            moments = [duration * (n + 0.5) / count for n in range(count)] if duration else [0.0]
            frames: list[VideoFrame] = []
            for moment in moments:
                frame = _frame_at(container, stream, moment, short_side)
                if frame is not None and (not frames or frame.at_seconds > frames[-1].at_seconds):
                    frames.append(frame)
    except (av.FFmpegError, IndexError) as error:
        raise BadUserInput(f"no frame could be read from the video: {error}",
                           reason="corrupt_video") from error
    if not frames:
        raise BadUserInput("the video has no frame to embed", reason="corrupt_video")
    return frames


def video_duration(
    container: av.container.InputContainer, stream: av.VideoStream
) -> float | None:
    """Seconds, as the video track says, else as the container says; None when neither does."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def first_frame_at(
    container: av.container.InputContainer, stream: av.VideoStream, moment: float
) -> av.VideoFrame | None:
    """The first frame shown at or after `moment` seconds, reached by seeking to the keyframe
    before it and decoding forward; None when the video ends first."""
    if moment > 0 and stream.time_base is not None:
        container.seek(int(moment / stream.time_base), stream=stream, backward=True)
    for frame in container.decode(stream):
        if frame.time is None or frame.time >= moment - 1e-6:
            return frame
    return None


def _frame_at(
    container: av.container.InputContainer, stream: av.VideoStream, moment: float,
    short_side: int,
) -> VideoFrame | None:
    frame = first_frame_at(container, stream, moment)
    if frame is None:
        return None
    scale = min(1.0, short_side / max(1, min(frame.width, frame.height)))
    image = upright_picture(frame, scale=scale)
    return VideoFrame(at_seconds=round(frame.time or 0.0, 3), image=image.convert("RGB"))


def upright_picture(frame: av.VideoFrame, *, scale: float = 1.0) -> Image.Image:
    """The frame as it is shown: a phone held upright stores its pictures sideways with a
    rotation for players to apply (the track's display matrix), so apply it here too."""
    image = frame.to_image(width=max(1, round(frame.width * scale)),
                           height=max(1, round(frame.height * scale)))
    if frame.rotation:
        image = image.rotate(frame.rotation, expand=True)
    return image
