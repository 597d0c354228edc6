"""One client start-up, for callgrind: import, connect, session.updated, close.

``--client voiced``: ``OpenAIRealtimeVoice`` (import voiced.voice, connect(), close()).
``--client plain``: websockets + json, the same handshake and session.update by hand.
``--client openai``: openai-python's realtime client (run with .venv-peer's python).
``--client none``: the interpreter alone (python -c pass), the floor of both.
"""

from __future__ import annotations

import sys


def voiced_startup(url: str, key: str) -> None:
    import asyncio

    from voiced.voice import OpenAIRealtimeVoice

    async def run() -> None:
        voice = OpenAIRealtimeVoice(url=url, api_key=key, provider="compatible")
        await voice.connect(timeout=30.0)
        await voice.close()

    asyncio.run(run())


def plain_startup(url: str, key: str) -> None:
    import asyncio
    import json

    from websockets.asyncio.client import connect

    session = {
        "type": "realtime",
        "output_modalities": ["audio"],
        "audio": {
            "input": {"format": {"type": "audio/pcm", "rate": 24000}, "turn_detection": None},
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"},
        },
    }

    async def run() -> None:
        headers = {"Authorization": f"Bearer {key}"}
        async with connect(url, additional_headers=headers, compression=None) as ws:
            while json.loads(await ws.recv())["type"] != "session.created":
                pass
            update = {"type": "session.update", "event_id": "c1", "session": session}
            await ws.send(json.dumps(update))
            while json.loads(await ws.recv())["type"] != "session.updated":
                pass

    asyncio.run(run())


def openai_startup(url: str, key: str) -> None:
    import asyncio

    from openai import AsyncOpenAI

    base_url = url.split("/realtime")[0]

    async def run() -> None:
        http_base = base_url.replace("ws://", "http://", 1)
        client = AsyncOpenAI(api_key=key, base_url=http_base, websocket_base_url=base_url)
        async with client.realtime.connect(model="gpt-realtime") as conn:
            async for event in conn:
                if event.type == "session.created":
                    await conn.session.update(session={"type": "realtime"})
                elif event.type == "session.updated":
                    break

    asyncio.run(run())


def main() -> None:
    client, url, key = sys.argv[1], sys.argv[2], sys.argv[3]
    if client == "voiced":
        voiced_startup(url, key)
    elif client == "plain":
        plain_startup(url, key)
    elif client == "openai":
        openai_startup(url, key)


if __name__ == "__main__":
    main()
