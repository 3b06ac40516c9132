"""Video renditions with PyAV: decode, turn upright, crop and scale, encode, one frame at a time.

Nothing holds more than a few frames: packets are demuxed, decoded, filtered and encoded as they
come, and muxed straight to a file. The output is probed back, so the rendition reports what the
file really holds (its size, duration and bitrate), not what was asked for."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.filter
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from hub.errors import BadUserInput
from hub.media.video_presets import VideoPreset

ENCODERS = {"h264": "libx264", "vp9": "libvpx-vp9", "av1": "libsvtav1", "aac": "aac",
            "opus": "libopus"}
# Speed settings per encoder: good quality at a CPU cost a 2-core worker can carry.
_ENCODER_OPTIONS = {
    "libx264": {"preset": "veryfast", "profile": "high"},
    "libvpx-vp9": {"b": "0", "deadline": "good", "cpu-used": "5", "row-mt": "1"},
    "libsvtav1": {"preset": "10"},
}
_AUDIO_RATE = 48_000
_FALLBACK_RATE = Fraction(25)
# Sound decoded before the first picture is held until that picture sets the output's size;
# this many frames (some 20 s of AAC) at most.
_EARLY_SOUND_FRAMES = 1000


@dataclass(frozen=True)
class Geometry:
    """What is kept of each upright frame (a centred crop) and the size it is scaled to."""

    crop_width: int
    crop_height: int
    width: int
    height: int


@dataclass(frozen=True)
class TranscodedVideo:
    """Facts probed back from the written file."""

    width: int
    height: int
    codec: str
    audio_codec: str | None
    duration_seconds: float
    bitrate: int  # bits per second over the whole file
    byte_size: int


def fit_geometry(width: int, height: int, preset: VideoPreset) -> Geometry:
    """Crop (cover) and scale to the preset's box, keeping the aspect ratio, never upscaling,
    with even sides."""
    crop_width, crop_height = width, height
    if preset.fit == "cover":
        box_aspect = preset.width / preset.height
        if width / height > box_aspect:
            crop_width = min(width, round(height * box_aspect))
        else:
            crop_height = min(height, round(width / box_aspect))
    scale = min(preset.width / crop_width, preset.height / crop_height, 1.0)
    return Geometry(crop_width=_even(crop_width), crop_height=_even(crop_height),
                    width=_even(crop_width * scale), height=_even(crop_height * scale))


def _even(value: float) -> int:
    return max(2, math.floor(value + 1e-6) // 2 * 2)


def transcode(source: Path, target: Path, preset: VideoPreset, *, threads: int,
              max_seconds: float) -> TranscodedVideo:
    """Write `preset`'s rendition of the video at `source` to `target`, at most `max_seconds`
    long (the upload limit, in case a file's header understated its length). CPU-bound:
    callers run it in a thread. A video the encoders cannot handle raises BadUserInput."""
    limit = min(max_seconds, preset.max_seconds or math.inf)
    try:
        _transcode(source, target, preset, threads=threads, limit=limit)
        return probe_output(target)
    except av.FFmpegError as error:
        target.unlink(missing_ok=True)
        reason = error.strerror or str(error).splitlines()[0][:160]
        raise BadUserInput(f"the video could not be transcoded for preset {preset.name!r}: "
                           f"{reason}", reason="transcode_failed", preset=preset.name) from error
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _transcode(source: Path, target: Path, preset: VideoPreset, *, threads: int,
               limit: float) -> None:
    options = {"movflags": "+faststart"} if preset.container == "mp4" else {}
    with av.open(str(source)) as inp, av.open(str(target), "w", format=preset.container,
                                               options=options) as out:
        if not inp.streams.video:
            raise BadUserInput("the file has no video stream", reason="no_video_stream")
        video_in = inp.streams.video[0]
        video_in.thread_type = "AUTO"
        video_in.codec_context.thread_count = threads
        audio_in = inp.streams.audio[0] if inp.streams.audio else None
        if preset.audio_codec == "none":
            audio_in = None
        outputs: _Outputs | None = None  # opened at the first picture, which sets the size
        early_sound: list[AudioFrame] = []
        for frame in _decoded(inp, video_in, audio_in, limit):
            if isinstance(frame, VideoFrame):
                if outputs is None:
                    outputs = _Outputs.open(out, frame, video_in, preset, threads,
                                            sound=audio_in is not None)
                    for sound in early_sound:
                        outputs.sound(sound)
                    early_sound.clear()
                outputs.picture(frame)
            elif outputs is None:
                early_sound.append(frame)
                if len(early_sound) > _EARLY_SOUND_FRAMES:
                    raise BadUserInput("the video has sound but no picture for too long",
                                       reason="corrupt_video")
            else:
                outputs.sound(frame)
        if outputs is None:
            raise BadUserInput("the video has no frame to transcode", reason="corrupt_video")
        outputs.flush()


@dataclass
class _Outputs:
    """The filter graph and the encoders of one output file."""

    container: av.container.OutputContainer
    graph: av.filter.Graph
    video: VideoStream
    audio: AudioStream | None

    @classmethod
    def open(cls, out: av.container.OutputContainer, first: VideoFrame, source: VideoStream,
             preset: VideoPreset, threads: int, *, sound: bool) -> _Outputs:
        graph, geometry = _filters(first, preset)
        video = _video_stream(out, source, preset, geometry, threads)
        return cls(out, graph, video, _audio_stream(out, preset) if sound else None)

    def picture(self, frame: VideoFrame | None) -> None:
        self.graph.vpush(frame)
        while True:
            try:
                filtered = self.graph.vpull()
            except (av.BlockingIOError, av.EOFError):
                return
            self.container.mux(self.video.encode(filtered))

    def sound(self, frame: AudioFrame) -> None:
        if self.audio is not None:
            frame.pts = None  # the encoder's own resampler times the samples it buffers
            self.container.mux(self.audio.encode(frame))

    def flush(self) -> None:
        self.picture(None)
        self.container.mux(self.video.encode(None))
        if self.audio is not None:
            self.container.mux(self.audio.encode(None))


def _decoded(inp: av.container.InputContainer, video: VideoStream, audio: AudioStream | None,
             limit: float) -> Iterator[VideoFrame | AudioFrame]:
    """Decoded frames in file order, up to `limit` seconds of video and sound."""
    streams = [video] if audio is None else [video, audio]
    for packet in inp.demux(streams):
        for frame in packet.decode():
            if not isinstance(frame, VideoFrame | AudioFrame):
                continue
            if frame.time is not None and frame.time >= limit:
                if packet.stream is video:
                    return
                continue
            yield frame


def _filters(first: VideoFrame, preset: VideoPreset) -> tuple[av.filter.Graph, Geometry]:
    """buffer → turn upright (phone videos) → centre crop → scale → yuv420p → sink."""
    turn = _upright_filters(first.rotation)
    width, height = first.width, first.height
    if turn and turn[0][0] == "transpose":
        width, height = height, width
    geometry = fit_geometry(width, height, preset)
    graph = av.filter.Graph()
    time_base = first.time_base or Fraction(1, 1000)
    steps = [graph.add_buffer(width=first.width, height=first.height, format=first.format,
                              time_base=time_base)]
    chain = [*turn,
             ("crop", f"{geometry.crop_width}:{geometry.crop_height}"),
             ("scale", f"{geometry.width}:{geometry.height}:flags=bicubic"),
             ("format", "yuv420p")]
    for name, argument in chain:
        steps.append(graph.add(name, argument))
    steps.append(graph.add("buffersink"))
    for before, after in itertools.pairwise(steps):
        before.link_to(after)
    graph.configure()
    return graph, geometry


def _upright_filters(rotation: float) -> list[tuple[str, str]]:
    """The filters that undo a display rotation (FFmpeg's own autorotate choices). PyAV gives
    the counter-clockwise angle; a phone held upright stores 90 or 270."""
    clockwise = round(-rotation / 90) % 4 * 90
    if clockwise == 90:
        return [("transpose", "clock")]
    if clockwise == 180:
        return [("hflip", ""), ("vflip", "")]
    if clockwise == 270:
        return [("transpose", "cclock")]
    return []


def _video_stream(out: av.container.OutputContainer, source: VideoStream, preset: VideoPreset,
                  geometry: Geometry, threads: int) -> VideoStream:
    rate = source.average_rate or source.guessed_rate or _FALLBACK_RATE
    encoder = ENCODERS[preset.video_codec]
    stream = out.add_stream(encoder, rate=rate)
    assert isinstance(stream, VideoStream)
    stream.width, stream.height = geometry.width, geometry.height
    stream.pix_fmt = "yuv420p"
    stream.codec_context.thread_count = threads
    stream.codec_context.time_base = source.time_base or Fraction(1, 90_000)  # no two frames
    # share a timestamp, whatever the source's frame rate does
    stream.options = {**_ENCODER_OPTIONS[encoder], "crf": str(preset.crf)}
    return stream


def _audio_stream(out: av.container.OutputContainer, preset: VideoPreset) -> AudioStream:
    stream = out.add_stream(ENCODERS[preset.audio_codec], rate=_AUDIO_RATE)
    assert isinstance(stream, AudioStream)
    stream.layout = "stereo"
    stream.bit_rate = preset.audio_kbps * 1000
    return stream


def probe_output(path: Path) -> TranscodedVideo:
    """What a written rendition holds: its real size, codecs, duration and bitrate."""
    byte_size = path.stat().st_size
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        if container.duration is not None:
            duration = container.duration / av.time_base
        elif video.duration is not None and video.time_base is not None:
            duration = float(video.duration * video.time_base)
        else:
            duration = 0.0
        return TranscodedVideo(
            width=video.codec_context.width, height=video.codec_context.height,
            # The format's name for the codec (av1), not the decoder's (libdav1d).
            codec=video.codec_context.codec.canonical_name,
            audio_codec=audio.codec_context.codec.canonical_name if audio else None,
            duration_seconds=round(duration, 3),
            bitrate=round(byte_size * 8 / duration) if duration > 0 else 0,
            byte_size=byte_size)
