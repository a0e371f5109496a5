"""Many streams at once: every fragment delivered exactly once, in order, per
stream, whatever the stage delays."""

import asyncio
import random

from worker import Worker


async def run_stream(server, name, count, rng):
    worker = await Worker(server, stream_id=name).connect()
    await worker.init(max_inflight=4)
    sent = 0
    while sent < count:
        # Stay under the critical threshold, as a well-behaved worker does.
        await worker.wait_for(lambda ev: sent - len(worker.of("fragment:processed")) < 8 or None, "room")
        await worker.send(sent, fault={"stage": rng.choice(["asr", "translation", "tts"]),
                                       "delay_ms": rng.randint(0, 150)})
        sent += 1
    processed = await worker.processed(count)
    await worker.emit("stream:end", {"stream_id": name})
    complete = await worker.next("stream:complete")
    return worker, processed, complete


async def test_three_streams_of_twenty_fragments_all_in_order(server):
    rng = random.Random(20261125)
    results = await asyncio.gather(*(run_stream(server, f"stream-{i}", 20, rng) for i in range(3)))
    for worker, processed, complete in results:
        assert [p["sequence_number"] for p in processed] == list(range(20))
        assert len({p["fragment_id"] for p in processed}) == 20
        assert all(p["stream_id"] == worker.stream_id for p in processed)
        assert all(p["status"] == "success" for p in processed)
        assert len(worker.of("fragment:ack")) == 20
        assert not worker.of("error")
        assert complete["total_fragments"] == 20 and complete["success_count"] == 20
