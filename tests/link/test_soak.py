"""The CI soak: 200 reconnects of seven kinds, nothing grows, no turn lost."""

from __future__ import annotations

from soak import BREAKS, check, run_soak


async def test_soak_200_reconnects() -> None:
    """RSS within 2 MB after warm-up; fds, tasks and threads flat; every turn completes."""
    result = await run_soak(200, warmup=30)
    assert result.turns == 201
    assert all(result.kinds[name] >= 28 for name in BREAKS), result.kinds
    assert check(result) == [], result
