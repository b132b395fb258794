"""The benchmark's two Markdown tables: what each run cost, and the targets it met."""

from __future__ import annotations

from dataclasses import dataclass

from bench.measure import Measured


@dataclass(frozen=True, slots=True)
class Allowance:
    """Per-item requests a first sync may make: one per item that needs them."""

    requests: int
    what: str  # "1,013 candidates", "1,013 candidates and 186 ADR files (2 each)"


def results_table(
    rows: list[tuple[str, Measured, int]], naive: Measured | None, naive_name: str
) -> str:
    lines = [
        "| run | requests | of which 304 | of which per item | rate-limit cost | wall time "
        "| peak memory | minimum (list pages) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, measured, least in rows:
        lines.append(
            f"| {name} | {measured.requests:,} | {measured.not_modified:,} | "
            f"{measured.detail:,} | {measured.rate_cost:,} | {measured.wall:.1f} s | "
            f"{measured.peak_mb:.0f} MB | {least:,} |"
        )
    if naive is not None:
        lines.append(
            f"| {naive_name} (every night) | {naive.requests:,} | {naive.not_modified:,} "
            f"| {naive.detail:,} | {naive.rate_cost:,} | {naive.wall:.1f} s | "
            f"{naive.peak_mb:.0f} MB | - |"
        )
    return "\n".join(lines)


def targets_table(
    runs: tuple[Measured, Measured, Measured],
    first_minimum: int,
    allowance: Allowance,
    changed: int,
    naive: Measured | None,
    quiet_bound: Allowance | None = None,
) -> str:
    """``runs``: the first sync, the no-change resync and the sync after one night.

    ``quiet_bound``: the no-change resync's own target in requests, for a forge that
    charges every request; otherwise its rate-limit cost is held to 2 % of the first's.
    """
    first, quiet, nightly = runs

    def met(ok: bool) -> str:
        return "yes" if ok else "**no**"

    bound = nightly.list_pages + 2 * changed
    first_lists = first.requests - first.detail
    peak = max(run.peak_mb for run in runs)
    rows = [
        (
            "first sync: requests ≤ 1.1 × minimum list pages, plus per-item requests only "
            "for candidates",
            f"{first_lists:,} ≤ {1.1 * first_minimum:,.0f}, plus {first.detail:,} for "
            f"{allowance.what}",
            met(first_lists <= 1.1 * first_minimum and first.detail <= allowance.requests),
        ),
        (
            "no-change resync: rate-limit cost ≤ 2 % of the first sync's",
            f"{quiet.rate_cost:,} ≤ {0.02 * first.rate_cost:,.0f}",
            met(quiet.rate_cost <= 0.02 * first.rate_cost),
        )
        if quiet_bound is None
        else (
            "no-change resync: charged requests ≤ 2 per project, plus the listings and the "
            "group's lists",
            f"{quiet.rate_cost:,} ≤ {quiet_bound.what} = {quiet_bound.requests:,}",
            met(quiet.rate_cost <= quiet_bound.requests),
        ),
        (
            "one night: requests ≤ list pages touched + 2 × changed items",
            f"{nightly.requests:,} ≤ {nightly.list_pages:,} + 2 × {changed:,} = {bound:,}",
            met(nightly.requests <= bound),
        ),
        ("peak memory ≤ 300 MB", f"{peak:.0f} MB", met(peak <= 300)),
    ]
    if naive is not None:
        ahead = all(
            getattr(run, figure) < getattr(naive, figure)
            for run in runs
            for figure in ("requests", "rate_cost", "wall", "peak_mb")
        )
        most = max(run.requests for run in runs)
        rows.append(
            (
                "ahead of the naive loop on every figure, every run",
                f"requests at most {most:,} vs {naive.requests:,}; memory at most "
                f"{peak:.0f} vs {naive.peak_mb:.0f} MB",
                met(ahead),
            )
        )
    lines = ["| target | measured | met |", "| --- | --- | --- |"]
    lines.extend(f"| {target} | {value} | {ok} |" for target, value, ok in rows)
    return "\n".join(lines)
