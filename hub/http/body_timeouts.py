"""Cut off clients that send a request body too slowly: a pause between two chunks longer than
the idle timeout, or a body still incomplete at the deadline. uvicorn has no such timeout, so a
client trickling a byte now and then would hold a connection and a staging file for as long as
it liked.

The app sees the cut-off as an error raised from receive(), so the upload path drops its
staging file as for any failed upload; the client gets 408 REQUEST_TIMEOUT when no response has
started yet."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.errors import ErrorCode

logger = logging.getLogger(__name__)


class BodyTimeouts:
    def __init__(self, app: ASGIApp, *, idle_seconds: float, deadline_seconds: float) -> None:
        if idle_seconds <= 0 or deadline_seconds <= 0:
            raise ValueError("the upload idle timeout and deadline must be positive, not "
                             f"{idle_seconds} and {deadline_seconds} seconds")
        self.app = app
        self.idle_seconds = idle_seconds
        self.deadline_seconds = deadline_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = time.monotonic() + self.deadline_seconds
        body_complete = False
        response_started = False

        async def timed_receive() -> Message:
            nonlocal body_complete
            if body_complete:
                return await receive()
            left = deadline - time.monotonic()
            idle = self.idle_seconds < left
            try:
                async with asyncio.timeout(min(self.idle_seconds, left)):
                    message = await receive()
            except TimeoutError:
                raise BodyTimedOut(
                    f"no part of the request body arrived for {self.idle_seconds:g} seconds"
                    if idle else
                    f"the request body was not complete within {self.deadline_seconds:g} seconds"
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_complete = True
            return message

        async def watched_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, watched_send)
        except BodyTimedOut as timed_out:
            if response_started:  # nothing can be said any more; the connection just ends
                logger.warning("%s %s: %s", scope["method"], scope["path"], timed_out)
                return
            await self._refuse(send, str(timed_out))

    async def _refuse(self, send: Send, message: str) -> None:
        body = json.dumps({"data": None, "errors": [{
            "message": f"{message}; send the body without pauses",
            "extensions": {"code": ErrorCode.REQUEST_TIMEOUT.value}}]}).encode()
        await send({"type": "http.response.start", "status": 408,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class BodyTimedOut(Exception):
    """Raised inside the app's receive() when the body stalls or runs past the deadline."""
