"""Kubernetes manifests for chapter 7's server, generated from the artifact and validated offline.

    from shipml.distributed.manifests import manifests, probes, validate, problems, to_yaml
    docs = manifests(artifact, image="registry.example/shipml-server", replicas=3, max_replicas=12)
    validate(docs)            # [] or sentences: each document against the Kubernetes JSON schema, strictly
    problems(docs)            # [] or sentences: what the schema cannot see (probes on the right paths, requests)
    print(to_yaml(docs))      # kubectl apply -f - on a real cluster

Three documents:

- a **Deployment**: `replicas` pods, each one container of the server image
  (`deploy/Dockerfile`) with the artifact's version in its labels and tag
  and its lineage (the training data's content hash) in an annotation;
  resource **requests** (what the scheduler reserves: one core per
  single-threaded worker) and **limits**; and two **probes**. The readiness
  probe asks GET /ready: a pod whose model is not loaded yet (or failed to
  load) gets no traffic. The liveness probe asks GET /health: a pod whose
  process hangs is restarted. Pointing liveness at /ready would restart a pod
  that is merely loading, over and over.
- a **Service**: one stable address in front of the ready pods.
- a **HorizontalPodAutoscaler** (autoscaling/v2): between `min_replicas` and
  `max_replicas`, aiming at `target_utilisation` % of the CPU requested,
  with a scale-down stabilisation window (`shipml.distributed.capacity`
  replays the same rule).

`validate` checks each document against the OpenAPI schema of
`KUBERNETES_VERSION` shipped in the `kubernetes-validate` package (no cluster,
no network); strict mode also rejects unknown fields, a typo such as
`readinesProbe` included.
"""

from __future__ import annotations

import copy

__all__ = ["KUBERNETES_VERSION", "PORT", "manifests", "probes", "problems", "to_yaml", "validate"]

KUBERNETES_VERSION = "1.35.0"
PORT = 8000
NAME = "shipml-fraud"


def probes(port=PORT) -> dict:
    """The container's readiness probe (GET /ready: may it get traffic?) and liveness probe (GET /health: alive?)."""
    return {
        "readinessProbe": {"httpGet": {"path": "/ready", "port": port}, "periodSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {"httpGet": {"path": "/health", "port": port}, "initialDelaySeconds": 10,
                          "periodSeconds": 10, "failureThreshold": 3},
    }


def _facts(artifact) -> tuple[str, str]:
    version = getattr(artifact, "version", None) or (artifact or {}).get("version")
    data_hash = getattr(artifact, "training_data_hash", None) or (artifact or {}).get("training_data_hash", "")
    if not version:
        raise ValueError("manifests needs the artifact (or a dict with its 'version'): the version names the image "
                         "tag and the pods' labels.")
    return str(version), str(data_hash)


def manifests(artifact, *, image: str = "registry.example/shipml-server", replicas: int = 2, min_replicas: int = 2,
              max_replicas: int = 10, target_utilisation: int = 60, cpu: str = "1", memory: str = "1Gi",
              port: int = PORT, probe_spec: dict | None = None) -> list[dict]:
    """Deployment, Service and HorizontalPodAutoscaler for the server of `artifact` (a dict per document)."""
    version, data_hash = _facts(artifact)
    if not 1 <= min_replicas <= max_replicas:
        raise ValueError(f"Need 1 <= min_replicas <= max_replicas; got {min_replicas} and {max_replicas}.")
    labels = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/version": version}
    container = {
        "name": "server",
        "image": f"{image}:{version}",
        "ports": [{"name": "http", "containerPort": port}],
        "env": [{"name": "SHIPML_ARTIFACT", "value": f"/models/{version}"},
                {"name": "DO_NOT_TRACK", "value": "1"}],
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu, "memory": memory}},
        **copy.deepcopy(probe_spec if probe_spec is not None else probes(port)),
    }
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": NAME, "labels": labels,
                     "annotations": {"shipml.dev/training-data-sha256": data_hash}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": NAME}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {"metadata": {"labels": dict(labels)},
                         "spec": {"containers": [container], "terminationGracePeriodSeconds": 20}},
        },
    }
    service = {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": NAME, "labels": dict(labels)},
        "spec": {"selector": {"app.kubernetes.io/name": NAME},
                 "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }
    hpa = {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": NAME},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": NAME},
            "minReplicas": min_replicas, "maxReplicas": max_replicas,
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": target_utilisation}}}],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
        },
    }
    return [deployment, service, hpa]


def validate(docs, version: str = KUBERNETES_VERSION) -> list[str]:
    """Each document against the Kubernetes schema of `version`, strictly: [] when all are valid, else sentences."""
    import kubernetes_validate

    found = []
    for doc in docs:
        what = f"{doc.get('kind', 'a document')} {doc.get('metadata', {}).get('name', '')}".strip()
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path) or "(top level)"
            found.append(f"{what}: {path}: {error.message}.")
        except kubernetes_validate.SchemaNotFoundError as error:
            found.append(f"{what}: no schema for it in Kubernetes {version} ({error}).")
    return found


def _container(docs) -> dict:
    deployment = next(d for d in docs if d.get("kind") == "Deployment")
    return deployment["spec"]["template"]["spec"]["containers"][0]


def _probe_port_ok(probe, container) -> bool:
    port = probe.get("httpGet", {}).get("port")
    named = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
    return port in named or port in named.values()


def problems(docs) -> list[str]:
    """What the schema cannot see: the probes' paths and ports, requests set, the Service and HPA aimed right."""
    found = []
    container = _container(docs)
    for key, path in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
        probe = container.get(key)
        if not isinstance(probe, dict) or "httpGet" not in probe:
            found.append(f"The container has no {key} with httpGet.")
            continue
        if probe["httpGet"].get("path") != path:
            found.append(f"The {key} asks {probe['httpGet'].get('path')!r}; it should ask {path}.")
        if not _probe_port_ok(probe, container):
            found.append(f"The {key} asks port {probe['httpGet'].get('port')!r}, which the container does not open.")
    liveness = container.get("livenessProbe", {})
    timing = [liveness.get(k, d) for k, d in (("initialDelaySeconds", 0), ("periodSeconds", 10),
                                              ("failureThreshold", 3))] if isinstance(liveness, dict) else []
    if timing and not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in timing):
        found.append("The liveness probe's timings should be numbers of seconds and failures, not text.")
    elif timing and (grace := timing[0] + timing[1] * timing[2]) < 10:
        found.append(f"The liveness probe restarts a pod after {grace} s without an answer: too quick for a "
                     f"server that is busy or loading; allow at least 10 s.")
    if not container.get("resources", {}).get("requests"):
        found.append("The container requests no CPU or memory: the scheduler cannot place it, nor the HPA scale it.")
    service = next((d for d in docs if d.get("kind") == "Service"), None)
    if service is not None and service["spec"].get("selector", {}).items() - next(
            d for d in docs if d.get("kind") == "Deployment")["spec"]["template"]["metadata"]["labels"].items():
        found.append("The Service's selector matches no label of the Deployment's pods.")
    return found


def to_yaml(docs) -> str:
    """The documents as one multi-document YAML text, as `kubectl apply -f` reads it."""
    import yaml

    class _Plain(yaml.SafeDumper):
        def ignore_aliases(self, data):  # a dict used twice is written twice, not as an anchor (&id001)
            return True

    return yaml.dump_all(docs, Dumper=_Plain, sort_keys=False)
