from newslake.fetchplan import plan_batches
from newslake.schemas import Candidate


def _candidates(host: str, n: int, source: str = "s") -> list[Candidate]:
    return [Candidate(f"https://{host}/a/{i}", source, None, "feed") for i in range(n)]


def test_a_host_whose_crawl_delay_overruns_the_budget_keeps_what_fits_and_reports_the_rest():
    slow, fast = _candidates("slow.example", 250), _candidates("fast.example", 50)
    batches, failures = plan_batches(slow + fast, {"slow.example": 30.0, "fast.example": 1.0}, batch_size=500, budget_seconds=3600)
    assert len(batches) == 1
    kept = batches[0]
    assert sum(c.url.startswith("https://slow.example") for c in kept) == 120  # 120 x 30 s = 1 h
    assert sum(c.url.startswith("https://fast.example") for c in kept) == 50
    assert len(failures) == 130 and {f.stage for f in failures} == {"discover"}
    assert "slow.example asks for 30 s between requests" in failures[0].reason and "fetch_budget_seconds=3600" in failures[0].reason
    assert {f.url for f in failures} | {c.url for c in kept} == {c.url for c in slow + fast}


def test_batches_keep_their_size_and_order_when_everything_fits():
    items = _candidates("a.example", 7) + _candidates("b.example", 3)
    batches, failures = plan_batches(items, {"a.example": 1.0}, batch_size=4, budget_seconds=100)
    assert failures == []
    assert [c for batch in batches for c in batch] == items
    assert [len(b) for b in batches] == [4, 4, 2]
