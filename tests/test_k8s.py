"""deploy/k8s checked without a cluster: every core object against the Kubernetes
OpenAPI schemas (kubernetes-validate, strict: unknown fields fail), the KEDA
ScaledObjects against the part of KEDA's documented spec they use, and the wiring
between the objects, the settings and the measured resource needs."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.31.0"
WORKERS = {"embedding-worker": "embedding", "llm-worker": "llm"}
MEASURED = json.loads((ROOT / "bench/results/strategies.json").read_text())
MIB = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}

# KEDA's ScaledObject (keda.sh/v1alpha1), the fields of its documented spec this project
# uses; additionalProperties false so a misspelt field fails here as it would in the CRD.
SCALED_OBJECT = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": {"type": "object", "required": ["name", "namespace"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["scaleTargetRef", "triggers"],
            "properties": {
                "scaleTargetRef": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string"}, "kind": {"type": "string"},
                    "apiVersion": {"type": "string"}}, "additionalProperties": False},
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "pollingInterval": {"type": "integer", "minimum": 1},
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "triggers": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["type", "metadata"],
                    "additionalProperties": False,
                    "properties": {
                        "type": {"const": "redis"},
                        "metadata": {"type": "object", "additionalProperties": False,
                                     "required": ["address", "listName", "listLength"],
                                     "properties": {
                                         "address": {"type": "string",
                                                     "pattern": r"^[a-z0-9.-]+:\d+$"},
                                         "listName": {"type": "string"},
                                         "listLength": {"type": "string",
                                                        "pattern": r"^\d+$"}}}}}},
            },
        },
    },
}


def documents() -> list[dict]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return docs


DOCS = documents()


def of_kind(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in DOCS if d["kind"] == kind}


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", quantity).groups()
    return int(number) * MIB[unit]


def container(deployment: dict) -> dict:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def test_kustomization_lists_every_manifest():
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


@pytest.mark.parametrize("doc", [d for d in DOCS if not d["apiVersion"].startswith("keda.sh")],
                         ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_core_objects_match_the_kubernetes_schema(doc):
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    if doc["kind"] != "Namespace":
        assert doc["metadata"]["namespace"] == "nlp2filters"


def test_the_schema_check_can_fail():
    broken = json.loads(json.dumps(of_kind("Deployment")["backend"]))
    container(broken)["livenessProbe"]["httpGet"]["paht"] = "/health"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_scaled_objects_follow_kedas_spec_and_scale_each_worker_on_its_queues():
    scaled = of_kind("ScaledObject")
    deployments = of_kind("Deployment")
    redis = of_kind("Service")["redis"]
    settings = Settings(_env_file=None)
    assert set(scaled) == set(WORKERS)
    for name, obj in scaled.items():
        jsonschema.validate(obj, SCALED_OBJECT)
        target = obj["spec"]["scaleTargetRef"]["name"]
        assert target in deployments and target == name
        assert "replicas" not in deployments[target]["spec"], "KEDA owns the replica count"
        assert obj["spec"]["minReplicaCount"] >= 1, "a warm worker avoids a model load per query"
        lists = {t["metadata"]["listName"] for t in obj["spec"]["triggers"]}
        assert lists == {f"rq:queue:{q}" for q in settings.queue_names(WORKERS[name])}
        for trigger in obj["spec"]["triggers"]:
            assert trigger["metadata"]["address"] == (
                f"redis.nlp2filters.svc.cluster.local:{redis['spec']['ports'][0]['port']}")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**scaled["llm-worker"], "spec": {
            **scaled["llm-worker"]["spec"], "maxReplicas": 3}}, SCALED_OBJECT)


def test_probes_use_health_ready_and_the_worker_check():
    deployments = of_kind("Deployment")
    backend = container(deployments["backend"])
    assert backend["livenessProbe"]["httpGet"]["path"] == "/health"
    assert backend["readinessProbe"]["httpGet"]["path"] == "/ready"
    for name, stage in WORKERS.items():
        worker = container(deployments[name])
        for probe in ("startupProbe", "livenessProbe"):
            assert worker[probe]["exec"]["command"] == ["python", "-m", "shared.healthcheck",
                                                        stage]
        assert worker["image"] == f"nlp2filters-{name}"
        # RQ's warm shutdown needs the batch in hand to finish before the kill.
        assert deployments[name]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= 60


@pytest.mark.parametrize(("deployment", "process"), [
    ("backend", "backend"), ("embedding-worker", "embedding"), ("llm-worker", "llm")])
def test_memory_requests_cover_the_measured_peak(deployment, process):
    peak = max(s["burst"]["peak_rss_mb"][process] for s in MEASURED["strategies"].values())
    resources = container(of_kind("Deployment")[deployment])["resources"]
    request = mebibytes(resources["requests"]["memory"])
    limit = mebibytes(resources["limits"]["memory"])
    assert peak <= request <= limit, (deployment, peak, request, limit)


def test_services_reach_their_pods():
    pods = {**of_kind("Deployment"), **of_kind("StatefulSet")}
    for name, service in of_kind("Service").items():
        selected = [p for p in pods.values() if service["spec"]["selector"].items() <=
                    p["spec"]["template"]["metadata"]["labels"].items()]
        assert len(selected) == 1, name
        ports = {p["name"] for p in container(selected[0])["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, (name, port)


def test_configuration_names_real_settings_and_the_redis_service():
    config = of_kind("ConfigMap")["nlp2filters-config"]["data"]
    known = {name.upper() for name in Settings.model_fields}
    assert set(config) <= known, set(config) - known
    assert config["REDIS_URL"] == "redis://redis:6379/0"
    images = {i["name"] for i in yaml.safe_load(
        (K8S / "kustomization.yaml").read_text())["images"]}
    used = {container(d)["image"] for d in of_kind("Deployment").values()}
    assert used == images
