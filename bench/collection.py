"""Benchmark: what a nightly collection costs, against the minimum and a naive loop.

    uv run python -m bench.collection                 # 200 repositories, 20,000 PRs, 20 ms
    uv run python -m bench.collection --quick         # 40 repositories, 2,000 PRs: a smoke run
    uv run python -m bench.collection --forge gitlab  # one forge only (default: both)

A local fake forge (``tests/fakes``) serves a seeded world with a fixed
latency per request: GitHub's (``bench.world``) and GitLab's
(``bench.gitlab_world``: the same sizes, in a group with subgroups and a
user's namespace). Each collection runs in its own process (memory is its
own); requests, 304s and rate-limit cost are counted by the fake itself, the
way the forge counts them (GitHub does not charge a 304, GitLab charges every
request). The runs, per forge, in order:

1. the naive loop on the world, PyGithub or python-gitlab (it keeps no state:
   every night costs this);
2. evidence's first sync; 3. a second sync with nothing changed;
4. a sync after one simulated night (new and updated pull or merge requests,
   merges, a release deployed to production).

Each sync goes through ``pipeline.collect`` with a ``[[sources]]`` config for
the forge (``bench.github_bench``, ``bench.gitlab_bench``). The minimum is
``bench.minimum``: the list pages a correct collector could not do without.
Requests, 304s and rate-limit cost reproduce exactly for a seed; wall time and
memory vary a little with the machine. Prints two Markdown tables per forge
for docs/benchmark.md.
"""

from __future__ import annotations

import argparse

from bench import github_bench, gitlab_bench

FORGES = {"github": ("GitHub", github_bench.run), "gitlab": ("GitLab", gitlab_bench.run)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--forge", choices=("github", "gitlab", "both"), default="both")
    parser.add_argument("--repos", type=int, default=200, help="repositories or projects")
    parser.add_argument("--pulls", type=int, default=20_000, help="pull or merge requests")
    parser.add_argument("--latency", type=float, default=0.020, help="seconds per request")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive loop")
    parser.add_argument("--quick", action="store_true", help="40 repositories, 2,000 PRs")
    args = parser.parse_args()
    if args.quick:
        args.repos, args.pulls = 40, 2_000
    chosen = list(FORGES) if args.forge == "both" else [args.forge]
    for forge in chosen:
        title, run = FORGES[forge]
        heading = f"### {title}\n\n" if len(chosen) > 1 else ""
        print(f"{heading}{run(args)}", flush=True)


if __name__ == "__main__":
    main()
