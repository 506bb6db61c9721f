"""The manifests: valid Kubernetes (strict, offline), probes wired to /health and /ready, the Dockerfile's promises."""

from pathlib import Path

import pytest
import yaml

from shipml.distributed.manifests import manifests, probes, problems, to_yaml, validate

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = {"version": "v7", "training_data_hash": "ab" * 32}


@pytest.fixture
def docs():
    return manifests(ARTIFACT, replicas=3, min_replicas=2, max_replicas=12)


def test_are_the_three_documents_valid_kubernetes(docs):
    assert [d["kind"] for d in docs] == ["Deployment", "Service", "HorizontalPodAutoscaler"]
    assert validate(docs) == [] and problems(docs) == []


def test_do_the_probes_ask_ready_for_traffic_and_health_for_life(docs):
    container = docs[0]["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["port"] == container["ports"][0]["containerPort"]


def test_does_the_artifact_name_the_image_and_the_lineage(docs):
    deployment = docs[0]
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v7")
    assert deployment["metadata"]["annotations"]["shipml.dev/training-data-sha256"] == "ab" * 32
    assert docs[2]["spec"]["minReplicas"] == 2 and docs[2]["spec"]["maxReplicas"] == 12


def test_does_the_strict_schema_catch_a_typo_and_a_string_number():
    typo = manifests(ARTIFACT, probe_spec={"readinesProbe": probes()["readinessProbe"]})
    assert "readinesProbe" in validate(typo)[0]
    text = probes()
    text["livenessProbe"]["periodSeconds"] = "10"
    assert "not of type 'integer'" in validate(manifests(ARTIFACT, probe_spec=text))[0]


def test_do_the_manifest_tests_catch_what_the_schema_cannot():
    swapped = probes()
    swapped["livenessProbe"]["httpGet"]["path"] = "/ready"
    assert any("/health" in p for p in problems(manifests(ARTIFACT, probe_spec=swapped)))
    assert any("does not open" in p for p in problems(manifests(ARTIFACT, port=9000, probe_spec=probes(8000))))
    hasty = {**probes(), "livenessProbe": {"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 1,
                                           "failureThreshold": 1}}
    assert any("at least 10 s" in p for p in problems(manifests(ARTIFACT, probe_spec=hasty)))


def test_is_a_missing_version_a_sentence():
    with pytest.raises(ValueError, match="version"):
        manifests({})


def test_does_the_yaml_read_back_as_the_same_documents(docs):
    assert list(yaml.safe_load_all(to_yaml(docs))) == docs


def test_does_the_dockerfile_serve_the_app_as_a_non_root_user_on_port_8000():
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    assert text.count("FROM python:3.11-slim") == 2          # a build stage and a slim runtime
    assert "COPY requirements.lock" in text and "shipml.serving.app:app_from_env" in text
    assert "EXPOSE 8000" in text and "USER 10001" in text and "SHIPML_ARTIFACT" in text
