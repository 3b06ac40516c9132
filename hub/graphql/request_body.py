"""How the GraphQL endpoint reads request bodies: strictly, so that what a lenient reader would
quietly turn into something else (or crash on) is refused with a reason and a 4xx status.

- A JSON body, and the `operations` and `map` parts of a multipart upload, must be a JSON object
  (or a batch list) in UTF-8: no invalid bytes, no lone surrogate escapes (MongoDB cannot store
  them), no NaN or Infinity (not JSON), no nesting deeper than `MAX_JSON_DEPTH`.
- A JSON body is read up to `max_json_body_bytes`, not whole whatever its size.
- Multipart part headers (field and file names) and text parts must be valid UTF-8: Starlette's
  parser would decode them as Latin-1 instead. Its own refusals (a part too large, no boundary)
  become coded errors too, and spooled files are closed whatever goes wrong.
- A POST must say it is JSON (UTF-8) or a multipart upload: 415 otherwise, a missing
  Content-Type included (the graphql-over-http spec). A GET's `variables` and `extensions`
  parameters must be JSON objects.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cross_web import FormData, HTTPException, StarletteRequestAdapter
from cross_web.content_type import parse_content_type
from starlette.datastructures import FormData as StarletteFormData
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

MAX_JSON_DEPTH = 64
"""Deeper than any GraphQL request needs; far from the recursion limits of the code after."""
_TOO_DEEP = f"the request's JSON nests deeper than {MAX_JSON_DEPTH} levels"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_request_json(
    data: str | bytes, what: str = "the request body"
) -> dict[str, Any] | list[Any]:
    """A request's JSON document; HTTPException 400 saying what is wrong otherwise."""
    if isinstance(data, bytes):
        data = _utf8(data, what)
    try:
        parsed = json.loads(data, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise HTTPException(400, f"{what} is not JSON: {error.msg} at line "
                                 f"{error.lineno}, column {error.colno}") from error
    except RecursionError as error:
        raise HTTPException(400, _TOO_DEEP) from error
    if not isinstance(parsed, dict | list):
        raise HTTPException(400, "the request's JSON must be an object with a query")
    _check_values(parsed)
    return parsed


def parse_json_parameter(name: str, value: str) -> dict[str, Any] | None:
    """A GET request's `variables` or `extensions`: a JSON object; empty means none."""
    if not value:
        return None
    parsed = parse_request_json(value, f"the `{name}` parameter")
    if not isinstance(parsed, dict):
        raise HTTPException(400, f"the `{name}` parameter must be a JSON object")
    return parsed


def check_content_type(content_type: str | None, *, multipart: bool) -> None:
    """A POST body's media type: JSON in UTF-8, or (with uploads on) multipart; 415 otherwise."""
    media_type, parameters = parse_content_type(content_type or "")
    if media_type == "application/json":
        charset = parameters.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise HTTPException(415, "GraphQL JSON must be UTF-8 (Content-Type: "
                                     f"application/json; charset=utf-8), not {charset}")
        return
    if multipart and media_type == "multipart/form-data":
        return
    what = f"Content-Type {media_type}" if media_type else "no Content-Type"
    raise HTTPException(415, f"a GraphQL POST needs Content-Type: application/json"
                             f"{' (or multipart/form-data for uploads)' if multipart else ''}; "
                             f"this request has {what}")


def _utf8(data: bytes | bytearray, what: str) -> str:
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HTTPException(400, f"{what} is not valid UTF-8: byte 0x{data[error.start]:02x} at "
                                 f"position {error.start} ({error.reason})") from error


def _refuse_constant(name: str) -> Any:
    raise HTTPException(400, f"the request's JSON has {name}, which is not a JSON number")


def _check_values(document: dict[str, Any] | list[Any]) -> None:
    """Depth and strings, walked without recursion."""
    pending: list[tuple[object, int]] = [(document, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                raise HTTPException(400, "the request's JSON has a \\u escape of half a "
                                         "surrogate pair, which is not a character")
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise HTTPException(400, _TOO_DEEP)
            children = [*item, *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


class StrictMultiPartParser(MultiPartParser):
    """Starlette's multipart parser, refusing text that is not UTF-8 instead of decoding it as
    Latin-1."""

    def on_headers_finished(self) -> None:
        for name, value in self._current_part.item_headers:
            self._require_utf8(value, f"the {name.decode('latin-1')} header of a part")
        super().on_headers_finished()

    def on_part_end(self) -> None:
        if self._current_part.file is None:
            self._require_utf8(self._current_part.data,
                               f"the form part {self._current_part.field_name!r}")
        super().on_part_end()

    async def parse(self) -> StarletteFormData:
        try:
            return await super().parse()
        except BaseException:  # Starlette closes the spooled files only on its own errors
            for file in self._files_to_close_on_error:
                file.close()
            raise

    @staticmethod
    def _require_utf8(data: bytes | bytearray, what: str) -> None:
        try:
            bytes(data).decode("utf-8")
        except UnicodeDecodeError as error:
            raise MultiPartException(
                f"{what} is not valid UTF-8: byte 0x{data[error.start]:02x} at position "
                f"{error.start}") from error


class StrictRequestAdapter(StarletteRequestAdapter):
    """What Strawberry reads a request through: a bounded JSON body, a strict multipart form.
    The parsed form is kept on `request.state.form` for `close_form` at the end."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.starlette_request = request

    async def get_body(self) -> bytes:
        request = self.starlette_request
        limit: int = request.app.state.settings.max_json_body_bytes
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise HTTPException(413, f"the request body is larger than the limit of {limit} "
                                         "bytes for JSON; upload files as multipart")
        return bytes(body)

    async def get_form_data(self) -> FormData:
        request = self.starlette_request
        parser = StrictMultiPartParser(request.headers, request.stream())
        try:
            form = await parser.parse()
        except MultiPartException as error:
            raise HTTPException(400, error.message) from error
        request.state.form = form
        return FormData(files=form, form=form)


async def close_form(request: Request) -> None:
    """Close the files a multipart request spooled to disk."""
    form: StarletteFormData | None = getattr(request.state, "form", None)
    if form is not None:
        await form.close()
