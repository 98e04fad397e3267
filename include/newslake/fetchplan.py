"""Fetch plan: candidate URLs + each host's crawl delay -> fetch batches that fit the task's time.

A fetch batch asks each host for its URLs one after another, `delay` seconds apart (the source's
`min_delay_seconds`, or robots.txt's `Crawl-delay` capped at `max_crawl_delay_seconds`), so a
batch needs about `max over hosts of (URLs of the host x its delay)` seconds. A legitimate
`Crawl-delay: 30` over 250 URLs of one host is 2 h, past the fetch task's `execution_timeout`:
the task would be killed and every URL of the batch lost, good hosts' included.

Planned at discover time instead: per batch, a host keeps the URLs whose turn comes within
`fetch_budget_seconds`; the rest are reported as one `failures` row each (stage `discover`,
naming the host, its delay and the budget), so nothing is dropped silently and the batch ends
in time. More URLs than that from one host in one day need a smaller delay or a larger budget.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from newslake.schemas import Candidate, Failure
from newslake.urls import host_of


def plan_batches(
    candidates: Sequence[Candidate], delays: Mapping[str, float], batch_size: int, budget_seconds: float
) -> tuple[list[list[Candidate]], list[Failure]]:
    """Batches of at most `batch_size` candidates, each host's share trimmed to the politeness budget.

    `delays` maps `host_of(url)` to seconds between requests (missing hosts: no delay).
    """
    batches: list[list[Candidate]] = []
    failures: list[Failure] = []
    for start in range(0, len(candidates), max(batch_size, 1)):
        kept, over = _fit(candidates[start : start + batch_size], delays, budget_seconds)
        if kept:
            batches.append(kept)
        failures.extend(over)
    return batches, failures


def _fit(batch: Sequence[Candidate], delays: Mapping[str, float], budget_seconds: float) -> tuple[list[Candidate], list[Failure]]:
    turns: Counter = Counter()
    kept, over = [], []
    for candidate in batch:
        host = host_of(candidate.url)
        delay = delays.get(host, 0.0)
        # the n-th request to a host (0-based) starts n x delay after the first
        if delay > 0 and turns[host] * delay >= budget_seconds:
            fits = math.ceil(budget_seconds / delay)
            reason = (
                f"politeness budget: {host} asks for {delay:g} s between requests, so one fetch batch reaches only "
                f"{fits} of its URLs within fetch_budget_seconds={budget_seconds:g}; this one was not fetched"
            )
            over.append(Failure(candidate.url, candidate.source, "discover", reason))
            continue
        turns[host] += 1
        kept.append(candidate)
    return kept, over
