"""The Kubernetes manifests: valid against the Kubernetes schemas, and safe as promised.

Schemas come offline from the kubernetes-validate package (strict: unknown keys
fail), for the oldest and newest Kubernetes versions the recipes claim to support.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from config.loader import parse_config
from tests.deploy.conftest import DEPLOY

MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]
Doc = dict[str, Any]


def documents(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def all_documents() -> list[Doc]:
    return [doc for path in MANIFESTS for doc in documents(path)]


def by_kind(kind: str) -> list[Doc]:
    return [doc for doc in all_documents() if doc["kind"] == kind]


def pod_specs() -> list[tuple[str, Doc]]:
    specs = []
    for doc in all_documents():
        if doc["kind"] == "CronJob":
            specs.append((doc["metadata"]["name"], doc["spec"]["jobTemplate"]["spec"]["template"]))
        elif doc["kind"] in ("StatefulSet", "Deployment"):
            specs.append((doc["metadata"]["name"], doc["spec"]["template"]))
    return [(name, template["spec"]) for name, template in specs]


def test_the_recipe_has_every_part() -> None:
    names = {path.name for path in MANIFESTS}
    assert {"cronjob.yaml", "cronjob-sharded.yaml", "configmap.yaml"} <= names
    assert {"secret.example.yaml", "data-volume.yaml", "postgres.yaml"} <= names


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_manifest_validates_against_the_kubernetes_schema(path: Path, version: str) -> None:
    for doc in documents(path):
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_schema_check_catches_a_mistake() -> None:
    broken = copy.deepcopy(by_kind("CronJob")[0])
    broken["spec"]["concurencyPolicy"] = broken["spec"].pop("concurrencyPolicy")  # typo
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_cronjobs_never_overlap_and_stop_gracefully() -> None:
    cronjobs = by_kind("CronJob")
    assert len(cronjobs) == 2
    for cronjob in cronjobs:
        spec = cronjob["spec"]
        assert spec["concurrencyPolicy"] == "Forbid"
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        assert pod["restartPolicy"] == "Never"
        assert pod["terminationGracePeriodSeconds"] >= 30  # room to stop between pages
        assert "--wait" in pod["containers"][0]["args"]


@pytest.mark.parametrize(("name", "pod"), pod_specs(), ids=lambda value: str(value)[:30])
def test_every_pod_runs_non_root_with_limits_and_no_privileges(name: str, pod: Doc) -> None:
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    for container in pod["containers"]:
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(
            resources["limits"]
        )
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        if name.startswith("evidence-ledger"):
            assert security["readOnlyRootFilesystem"] is True
            mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
            assert {"/tmp", "/data"} <= mounts  # the only writable places


def secret_refs(container: Doc) -> dict[str, tuple[str, str]]:
    return {
        env["name"]: (
            env["valueFrom"]["secretKeyRef"]["name"],
            env["valueFrom"]["secretKeyRef"]["key"],
        )
        for env in container.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    }


def test_token_and_database_url_come_from_the_secret_never_from_the_manifest() -> None:
    secret = by_kind("Secret")[0]
    for cronjob in by_kind("CronJob"):
        container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        refs = secret_refs(container)
        assert refs["GITHUB_TOKEN"] == ("evidence-secrets", "GITHUB_TOKEN")
        assert refs["EVIDENCE_STORE_URL"] == ("evidence-secrets", "EVIDENCE_STORE_URL")
        assert all(key in secret["stringData"] for _, key in refs.values())
        plain = [env for env in container["env"] if "value" in env]
        assert [env["name"] for env in plain] == ["EVIDENCE_CONFIG"]
    postgres = by_kind("StatefulSet")[0]["spec"]["template"]["spec"]["containers"][0]
    assert secret_refs(postgres)["POSTGRES_PASSWORD"] == ("evidence-secrets", "POSTGRES_PASSWORD")
    assert all("replace-me" in value for value in secret["stringData"].values())  # placeholders


def test_the_configmap_holds_a_valid_config_for_a_read_only_pod() -> None:
    configmap = by_kind("ConfigMap")[0]
    config = parse_config(configmap["data"]["evidence.toml"], source="configmap.yaml")
    assert config.store.url_env == "EVIDENCE_STORE_URL"
    assert config.output.dir.is_absolute() and config.output.dir.parts[:2] == ("/", "data")
    mount = next(
        env["value"]
        for env in by_kind("CronJob")[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"][
            "containers"
        ][0]["env"]
        if env["name"] == "EVIDENCE_CONFIG"
    )
    assert mount == "/etc/evidence/evidence.toml"


def test_the_sharded_job_gives_every_pod_its_own_shard_of_the_same_count() -> None:
    cronjob = next(doc for doc in by_kind("CronJob") if doc["metadata"]["name"].endswith("sharded"))
    job = cronjob["spec"]["jobTemplate"]["spec"]
    assert job["completionMode"] == "Indexed"
    assert job["completions"] == job["parallelism"]
    args = job["template"]["spec"]["containers"][0]["args"]
    shard = args[args.index("--shard") + 1]
    match = re.fullmatch(r"\$\(JOB_COMPLETION_INDEX\)/(\d+)", shard)
    assert match and int(match[1]) == job["completions"]
    volume = next(v for v in job["template"]["spec"]["volumes"] if v["name"] == "data")
    claim = volume["persistentVolumeClaim"]["claimName"]
    pvc = next(doc for doc in by_kind("PersistentVolumeClaim") if doc["metadata"]["name"] == claim)
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]  # pods on several nodes at once
