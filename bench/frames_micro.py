"""Micro-measure for the frame choices, run under callgrind (numbers in startup_bench's notes).

    for m in "json 1" "json 2001" "orjson 1" "orjson 2001" "str 1" "str 5001" \
             "bytes 1" "bytes 5001"; do
      valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python bench/frames_micro.py $m 2>&1 | grep Collected; done

Per delta (json/orjson): (Ir at 2001 - Ir at 1) / 2000, a 50 ms delta parsed and its base64
decoded; the difference at 1 is the import. Per append (str/bytes): (Ir at 5001 - Ir at 1)
/ 5000, a 20 ms append built as str then UTF-8 encoded (what websockets does with a str),
or built as ASCII bytes. orjson must be installed for its two runs (it is not a dependency).
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from collections.abc import Callable
from typing import Any

PCM_50MS = bytes(range(256)) * 9 + bytes(96)  # 2,400 bytes
PCM_20MS = PCM_50MS[:960]
DELTA = json.dumps(
    {
        "type": "response.output_audio.delta",
        "event_id": "event_123",
        "response_id": "resp_1",
        "item_id": "item_1",
        "output_index": 0,
        "content_index": 0,
        "delta": base64.b64encode(PCM_50MS).decode(),
    }
)


def parse(loads: Callable[[str], Any], n: int) -> None:
    for _ in range(n):
        event = loads(DELTA)
        binascii.a2b_base64(event["delta"], strict_mode=True)


def build_str(n: int) -> None:
    for i in range(n):
        audio = binascii.b2a_base64(PCM_20MS, newline=False).decode("ascii")
        frame = f'{{"type":"input_audio_buffer.append","event_id":"evt_c{i}","audio":"{audio}"}}'
        frame.encode("utf-8")


def build_bytes(n: int) -> None:
    for i in range(n):
        audio = binascii.b2a_base64(PCM_20MS, newline=False)
        _frame = b'{"type":"input_audio_buffer.append","event_id":"evt_c%d","audio":"%s"}' % (
            i,
            audio,
        )


def main() -> None:
    mode, n = sys.argv[1], int(sys.argv[2])
    if mode == "json":
        parse(json.loads, n)
    elif mode == "orjson":
        import orjson

        parse(orjson.loads, n)
    elif mode == "str":
        build_str(n)
    elif mode == "bytes":
        build_bytes(n)


if __name__ == "__main__":
    main()
