"""The one way every simulator runs for synchronous callers (tests, the demo): on a private event
loop in a daemon thread. A simulator subclasses ``LoopThread`` and implements ``async start()``
(which sets ``self.loop``) and ``async stop()``; it then works from sync code (``start_in_thread``,
``with``) and async code (``await start()``, ``async with``) alike."""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class LoopThread:
    """Mixin: ``start_in_thread``/``stop_in_thread`` and both context-manager protocols."""

    loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    async def start(self) -> Any:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    def start_in_thread(self, timeout: float = 10.0) -> Any:
        """Start on a private event loop in a daemon thread; returns once every port listens."""
        ready, errors = threading.Event(), []

        def main() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

        tier = type(self).__module__.split(".")[2] if type(self).__module__.count(".") >= 2 else "sim"
        self._thread = threading.Thread(target=main, name=f"msgops-sim-{tier}", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError(f"{type(self).__name__} did not start within {timeout:g} s")
        if errors:
            raise errors[0]
        return self

    def stop_in_thread(self, timeout: float = 10.0) -> None:
        if self._thread is None or self.loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop(), self.loop).result(timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> Any:
        return self.start_in_thread()

    def __exit__(self, *exc: object) -> None:
        self.stop_in_thread()

    async def __aenter__(self) -> Any:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
