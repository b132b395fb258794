"""The CI recipes pass their SchemaStore schemas (vendored by check-jsonschema, offline)
and do what the manual (docs/operation.md) says: nightly, store cached, site published to Pages."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from apscheduler.triggers.cron import CronTrigger

from tests.deploy.conftest import DEPLOY, tool

GITHUB_WORKFLOW = DEPLOY / "github-actions" / "evidence.yml"
GITLAB_TEMPLATE = DEPLOY / "gitlab-ci" / "evidence.gitlab-ci.yml"


def schema_check(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tool("check-jsonschema")), "--builtin-schema", f"vendor.{schema}", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("schema", "path"),
    [("github-workflows", GITHUB_WORKFLOW), ("gitlab-ci", GITLAB_TEMPLATE)],
    ids=["github-actions", "gitlab-ci"],
)
def test_recipe_passes_its_schema_and_a_broken_copy_does_not(
    schema: str, path: Path, tmp_path: Path
) -> None:
    result = schema_check(schema, path)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / path.name
    text = path.read_text(encoding="utf-8")
    if schema == "github-workflows":
        broken.write_text(text.replace("runs-on: ubuntu-latest", "run-on: ubuntu-latest", 1))
    else:
        broken.write_text(text.replace("stage: deploy", "stage: [deploy, 1]", 1))
    assert schema_check(schema, broken).returncode != 0


def test_github_workflow_runs_nightly_caches_the_store_and_deploys_pages() -> None:
    workflow = load(GITHUB_WORKFLOW)
    triggers = workflow[True]  # PyYAML reads the bare key `on` as YAML 1.1's true
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    CronTrigger.from_crontab(triggers["schedule"][0]["cron"])
    assert workflow["concurrency"]["cancel-in-progress"] is False
    steps = workflow["jobs"]["build"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert "actions/cache/restore" in uses and "actions/cache/save" in uses
    assert uses.index("actions/cache/restore") < uses.index("actions/cache/save")
    cached = {step["with"]["path"] for step in steps if "actions/cache" in step.get("uses", "")}
    assert cached == {".evidence"}
    build = next(step for step in steps if step.get("id") == "build")
    assert "uv run --no-dev evidence build" in build["run"]
    assert build["env"]["GITHUB_TOKEN"] == "${{ secrets.EVIDENCE_GITHUB_TOKEN }}"
    upload = next(step for step in steps if "upload-pages-artifact" in step.get("uses", ""))
    assert upload["with"]["path"] == "output"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert workflow["permissions"] == {"contents": "read"}  # the build job cannot write
    install = next(step for step in steps if step.get("name") == "Install from the lock")
    assert install["run"] == "uv sync --locked --no-dev"


def test_gitlab_template_runs_on_schedule_caches_the_store_and_publishes_public() -> None:
    template = load(GITLAB_TEMPLATE)
    sources = [rule["if"] for rule in template["workflow"]["rules"]]
    assert '$CI_PIPELINE_SOURCE == "schedule"' in sources
    pages = template["pages"]
    assert pages["artifacts"]["paths"] == ["public"]
    assert pages["resource_group"]  # one build at a time
    store_cache = next(cache for cache in pages["cache"] if cache["paths"] == [".evidence/"])
    assert store_cache["when"] == "always"
    script = "\n".join(pages["script"])
    assert "uv sync --locked --no-dev" in script and "uv run --no-dev evidence build" in script
    assert "cp -a output public" in script
    assert template["report"]["needs"][0]["job"] == "pages"
