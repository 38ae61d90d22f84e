"""The deployment files, checked without a cluster or a Docker daemon: Kubernetes manifests
against the official schemas (strict), the compose file's shape, the image's non-root user and
health check, gunicorn's settings and the JSON log lines."""

from __future__ import annotations

import io
import json
import logging
import runpy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

from coopilote.logs import JsonFormatter

INFRA = Path(settings.BASE_DIR) / "infra"
KUBERNETES_VERSION = "1.37.0"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


MANIFESTS = sorted(
    path for path in (INFRA / "k8s").glob("*.yaml") if path.name != "kustomization.yaml"
)


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_kubernetes_manifests_are_valid(path: Path) -> None:
    for document in _documents(path):
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest() -> None:
    (kustomization,) = _documents(INFRA / "k8s" / "kustomization.yaml")

    assert sorted(kustomization["resources"]) == sorted(path.name for path in MANIFESTS)


def _containers() -> dict[str, dict[str, Any]]:
    containers = {}
    for path in MANIFESTS:
        for document in _documents(path):
            if document["kind"] in {"Deployment", "Job"}:
                for container in document["spec"]["template"]["spec"]["containers"]:
                    containers[container["name"]] = container
    return containers


def test_web_pods_are_probed_and_every_pod_reads_its_secrets_from_the_environment() -> None:
    containers = _containers()

    assert set(containers) == {"web", "worker", "beat", "migrate"}
    web = containers["web"]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for container in containers.values():
        assert container["envFrom"] == [{"secretRef": {"name": "coopilote-env"}}]
        assert "SECRET" not in json.dumps(container.get("env", []))


def test_web_and_workers_scale_and_beat_stays_alone() -> None:
    kinds = {
        (doc["kind"], doc["metadata"]["name"]): doc
        for path in MANIFESTS
        for doc in _documents(path)
    }

    assert ("HorizontalPodAutoscaler", "coopilote-web") in kinds
    assert ("HorizontalPodAutoscaler", "coopilote-worker") in kinds
    assert kinds[("Deployment", "coopilote-beat")]["spec"]["replicas"] == 1
    assert ("HorizontalPodAutoscaler", "coopilote-beat") not in kinds


def test_compose_runs_the_whole_product_after_its_migrations() -> None:
    (compose,) = _documents(INFRA / "compose.yaml")
    services = compose["services"]

    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_the_image_is_multi_stage_non_root_and_health_checked() -> None:
    dockerfile = (INFRA / "Dockerfile").read_text()

    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") >= 2
    assert "\nUSER 10001\n" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "/healthz" in dockerfile
    assert "coopilote.settings.production" in dockerfile


def test_gunicorn_settings_load() -> None:
    config = runpy.run_path(str(INFRA / "gunicorn.conf.py"))

    assert config["worker_class"] == "gthread"
    assert config["workers"] >= 1
    assert config["bind"] == "0.0.0.0:8000"


def test_json_log_lines_carry_the_cae() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.json")
    logger.addHandler(handler)
    try:
        logger.warning("Facture %s émise", "F2026-00001", extra={"schema_name": "cae_alpha"})
    finally:
        logger.removeHandler(handler)

    line = json.loads(stream.getvalue())
    assert line["cae"] == "cae_alpha"
    assert line["message"] == "Facture F2026-00001 émise"
    assert line["level"] == "WARNING"
