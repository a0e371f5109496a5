"""backpressure (docs/protocol.md §3): levels by in-flight count, an event on every
level change up and down, BACKPRESSURE_EXCEEDED past the critical threshold."""

from worker import Worker


async def test_twelve_fragments_with_max_inflight_3_walk_every_level(server):
    worker = await Worker(server).connect()
    await worker.init(max_inflight=3, timeout_ms=30000)
    # Slow enough that all twelve arrive before the first is delivered.
    for seq in range(12):
        await worker.send(seq, fault={"delay_ms": 1000})
    await worker.processed(10)

    levels = [(d["severity"], d["action"], d["current_inflight"]) for d in worker.of("backpressure")]
    assert levels == [("medium", "slow_down", 4), ("high", "pause", 7),
                      ("medium", "slow_down", 6), ("low", "none", 3)]
    for event in worker.of("backpressure"):
        assert event["stream_id"] == "stream-1"
        assert event["max_inflight"] == 3
        assert isinstance(event["queue_depth"], int) and isinstance(event["recommended_delay_ms"], int)
    low, medium, high = (worker.of("backpressure", severity=s)[0] for s in ("low", "medium", "high"))
    assert low["threshold_exceeded"] is None and low["recommended_delay_ms"] == 0
    assert medium["threshold_exceeded"] and high["threshold_exceeded"]

    # Past 10 in flight the 11th and 12th are refused, retryable, and never acked.
    for fragment_id in ("frag-10", "frag-11"):
        error = await worker.next("error", fragment_id=fragment_id)
        assert error["code"] == "BACKPRESSURE_EXCEEDED" and error["retryable"] is True
        assert not worker.of("fragment:ack", fragment_id=fragment_id)

    # Rising levels follow the ack that raised the count; recovery comes once
    # deliveries have begun. (Acks and backpressure jump ahead of queued results,
    # so their place among fragment:processed events is not fixed.)
    order = [(e, d.get("fragment_id") or d.get("severity")) for e, d in worker.events
             if e in ("fragment:ack", "backpressure", "fragment:processed")]
    assert order.index(("backpressure", "medium")) == order.index(("fragment:ack", "frag-3")) + 1
    assert order.index(("backpressure", "high")) == order.index(("fragment:ack", "frag-6")) + 1
    assert order.index(("backpressure", "low")) > order.index(("fragment:processed", "frag-0"))
    assert [p["sequence_number"] for p in worker.of("fragment:processed")] == list(range(10))


async def test_acceptance_continues_below_critical(server):
    worker = await Worker(server).connect()
    await worker.init(max_inflight=1)
    for seq in range(9):
        await worker.send(seq, fault={"delay_ms": 50})
    processed = await worker.processed(9)
    assert [p["sequence_number"] for p in processed] == list(range(9))
    assert not worker.of("error")


async def test_thresholds_are_configurable(start_server):
    server = start_server(BACKPRESSURE_MEDIUM=2, BACKPRESSURE_HIGH=3, BACKPRESSURE_MAX=3)
    worker = await Worker(server).connect()
    await worker.init(max_inflight=1, timeout_ms=30000)
    for seq in range(4):
        await worker.send(seq, fault={"delay_ms": 400})
    await worker.processed(3)
    levels = [(d["severity"], d["current_inflight"]) for d in worker.of("backpressure")]
    assert levels[:2] == [("medium", 2), ("high", 3)]
    assert (await worker.next("error", fragment_id="frag-3"))["code"] == "BACKPRESSURE_EXCEEDED"
