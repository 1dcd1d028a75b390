"""The deployment in deploy/: nothing can run it here (no Docker, no CockroachDB), so these tests
parse every file and check the facts a slip would break: what runs `customer-core`, which database
it gets, what starts after what, which port the probes ask, and that every setting exists."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import HealthServicer

from customer_core.kernel.config import Settings
from customer_core.storage.engine import normalize_url

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
YAML_FILES = sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))

#: The settings customer-core reads, and the one variable its CLI reads for `customers` commands.
REAL_VARIABLES = {f"CUSTOMER_CORE_{name.upper()}" for name in Settings.model_fields} | {
    "CUSTOMER_CORE_TARGET"
}

#: Secrets made with `cockroach cert` by the README's commands, not by a manifest.
CERTIFICATE_SECRETS = {"cockroachdb.node", "cockroachdb.client.root", "cockroachdb.ca"}


def _documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


COMPOSE: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
OBJECTS: list[dict[str, Any]] = [
    doc for path in sorted(KUBERNETES.glob("*.yaml")) for doc in _documents(path)
]
EXAMPLE_SECRETS = [
    d for d in _documents(KUBERNETES / "secrets.example.yaml") if d["kind"] == "Secret"
]


# ---- helpers -------------------------------------------------------------------------------------


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else list(command)


def _compose_services_running(subcommand: str) -> dict[str, dict[str, Any]]:
    return {
        name: svc
        for name, svc in SERVICES.items()
        if _command(svc)[:2] == ["customer-core", subcommand]
    }


def _objects(kind: str) -> list[dict[str, Any]]:
    return [o for o in OBJECTS if o["kind"] == kind]


def _one(kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in _objects(kind) if o["metadata"]["name"] == name]
    return found


def _pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    (container,) = _pod_spec(workload)["containers"]
    return container


def _example_value(secret_name: str, key: str) -> str:
    (secret,) = [s for s in EXAMPLE_SECRETS if s["metadata"]["name"] == secret_name]
    return str(secret["stringData"][key])


def _dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _dockerfile_healthcheck_code() -> str:
    (arguments,) = [args for instruction, args in _dockerfile() if instruction == "HEALTHCHECK"]
    command = json.loads(arguments.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    return str(command[2])


# ---- every file --------------------------------------------------------------------------------


def test_the_deployment_has_its_yaml_files() -> None:
    names = {str(p.relative_to(DEPLOY)) for p in YAML_FILES}
    assert "compose.yaml" in names
    assert {
        f"kubernetes/{n}.yaml"
        for n in (
            "namespace",
            "configmap",
            "secrets.example",
            "cockroachdb-statefulset",
            "cockroachdb-init-job",
            "minio",
            "customer-core-migrate-job",
            "customer-core-deployment",
            "customer-core-service",
        )
    } <= names


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_document_parses(path: Path) -> None:
    documents = _documents(path)
    assert documents and all(isinstance(doc, dict) for doc in documents)
    if path.parent == KUBERNETES:
        for doc in documents:
            assert doc.get("apiVersion") and doc.get("kind") and doc["metadata"].get("name"), doc


def test_every_customer_core_variable_is_a_real_setting() -> None:
    used: dict[str, set[str]] = {}
    for path in sorted(p for p in DEPLOY.rglob("*") if p.is_file()):
        for variable in re.findall(r"CUSTOMER_CORE_[A-Z0-9_]+", path.read_text()):
            used.setdefault(variable, set()).add(str(path.relative_to(DEPLOY)))
    assert "CUSTOMER_CORE_DATABASE_URL" in used
    unknown = {
        variable: files for variable, files in used.items() if variable not in REAL_VARIABLES
    }
    assert not unknown, f"not customer-core settings: {unknown}"


# ---- Dockerfile --------------------------------------------------------------------------------


def test_the_image_runs_customer_core_serve_as_a_non_root_user() -> None:
    instructions = _dockerfile()
    arg_defaults = dict(
        args.split("=", 1) for instruction, args in instructions if instruction == "ARG"
    )
    bases = [
        re.sub(r"\$\{(\w+)\}", lambda m: arg_defaults[m.group(1)], args.split()[0])
        for instruction, args in instructions
        if instruction == "FROM"
    ]
    final = {instruction: args for instruction, args in instructions}  # the last of each wins
    assert bases[-1] == "python:3.11-slim"
    assert json.loads(final["CMD"]) == ["customer-core", "serve"]
    assert final["USER"].split(":")[0] not in ("root", "0")
    assert final["EXPOSE"].split() == ["50051"]
    env = " ".join(args for instruction, args in instructions if instruction == "ENV")
    assert "CUSTOMER_CORE_HOST=0.0.0.0" in env.split()


def test_the_healthcheck_passes_only_while_the_server_reports_serving() -> None:
    """Runs the Dockerfile's `python -c` check against a grpc.health.v1 server, as Docker would."""
    code = _dockerfile_healthcheck_code()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    port = server.add_insecure_port("127.0.0.1:0")
    env = {**os.environ, "CUSTOMER_CORE_PORT": str(port)}

    def check() -> int:
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60)
        return run.returncode

    server.start()
    try:
        health.set("", health_pb2.HealthCheckResponse.SERVING)
        serving = check()
        health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        not_serving = check()
    finally:
        server.stop(None).wait()
    assert (serving, not_serving) == (0, 1)
    assert check() != 0  # nothing listening


# ---- compose -----------------------------------------------------------------------------------


def test_every_compose_service_running_customer_core_gets_a_cockroachdb_url() -> None:
    runners = {n: s for n, s in SERVICES.items() if _command(s)[:1] == ["customer-core"]}
    assert set(runners) == set(_compose_services_running("migrate")) | set(
        _compose_services_running("serve")
    )
    for name, service in runners.items():
        url = normalize_url(service["environment"]["CUSTOMER_CORE_DATABASE_URL"])
        assert url.drivername == "cockroachdb+psycopg", name
        assert url.database == "customer_core", name
        assert _command(SERVICES[url.host])[0] == "start", (
            f"{name}: {url.host} is no CockroachDB node"
        )


def test_compose_kernel_replicas_start_only_after_migrate_succeeded() -> None:
    kernels = _compose_services_running("serve")
    (migrate_name,) = _compose_services_running("migrate")
    assert len(kernels) == 2
    for name, kernel in kernels.items():
        assert kernel["depends_on"][migrate_name] == {
            "condition": "service_completed_successfully"
        }, name
    # A migrate that is restarted would never count as completed.
    assert SERVICES[migrate_name].get("restart", "no") == "no"
    (init_name,) = [n for n, s in SERVICES.items() if "cockroach init" in " ".join(_command(s))]
    assert SERVICES[migrate_name]["depends_on"][init_name] == {
        "condition": "service_completed_successfully"
    }
    assert "CREATE DATABASE IF NOT EXISTS customer_core" in " ".join(_command(SERVICES[init_name]))


def test_compose_cockroach_nodes_form_one_insecure_cluster() -> None:
    nodes = {n: s for n, s in SERVICES.items() if _command(s)[:1] == ["start"]}
    assert len(nodes) == 3
    for name, node in nodes.items():
        flags = dict(arg.split("=", 1) for arg in _command(node) if "=" in arg)
        assert "--insecure" in _command(node)
        assert {peer.split(":")[0] for peer in flags["--join"].split(",")} == set(nodes), name
        assert flags["--advertise-addr"].split(":")[0] == node["hostname"] == name
    text = (DEPLOY / "compose.yaml").read_text()
    assert "INSECURE" in text and "LOCAL TRIALS ONLY" in text


def test_compose_builds_the_image_from_the_repository_root_with_deploy_dockerfile() -> None:
    built = {n: s for n, s in SERVICES.items() if "build" in s}
    assert set(_compose_services_running("serve")) | set(
        _compose_services_running("migrate")
    ) <= set(built)
    for service in built.values():
        context = (DEPLOY / service["build"]["context"]).resolve()
        assert context == REPO
        assert context / service["build"]["dockerfile"] == DEPLOY / "Dockerfile"
    assert len({s["image"] for s in built.values()}) == 1


def test_compose_long_running_services_have_healthchecks() -> None:
    for name, service in SERVICES.items():
        if service.get("restart", "no") != "no":
            assert service["healthcheck"]["test"] and not service["healthcheck"].get("disable"), (
                name
            )
    for name, kernel in _compose_services_running("serve").items():
        assert kernel["healthcheck"]["test"] == [
            "CMD",
            "python",
            "-c",
            _dockerfile_healthcheck_code(),
        ], name


def test_minio_has_a_console_and_labelled_development_credentials() -> None:
    (minio,) = [s for s in SERVICES.values() if "minio/minio" in s["image"]]
    assert "--console-address" in _command(minio)
    for variable in ("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"):
        assert minio["environment"][variable].startswith(f"${{{variable}:-"), variable
    assert "DEVELOPMENT DEFAULT" in (DEPLOY / "compose.yaml").read_text()


# ---- Kubernetes --------------------------------------------------------------------------------


def test_every_kubernetes_object_is_in_the_namespace() -> None:
    (namespace,) = _objects("Namespace")
    for obj in OBJECTS:
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == namespace["metadata"]["name"], obj[
                "metadata"
            ]


def test_cockroachdb_statefulset_has_three_nodes_a_budget_and_volumes() -> None:
    statefulset = _one("StatefulSet", "cockroachdb")
    replicas = statefulset["spec"]["replicas"]
    assert replicas == 3
    headless = _one("Service", statefulset["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["publishNotReadyAddresses"] is True
    start = " ".join(_container(statefulset)["command"])
    peers = re.search(r"--join (\S+)", start).group(1).split(",")  # type: ignore[union-attr]
    assert peers == [f"cockroachdb-{i}.{headless['metadata']['name']}" for i in range(replicas)]
    assert "--insecure" not in start and "--certs-dir" in start
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in _container(statefulset)["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == "/cockroach/cockroach-data"
    (budget,) = [
        b for b in _objects("PodDisruptionBudget") if b["metadata"]["name"] == "cockroachdb"
    ]
    assert budget["spec"]["maxUnavailable"] == 1
    assert "cockroach init" in " ".join(_container(_one("Job", "cockroachdb-init"))["command"])


def test_kernel_probes_are_grpc_probes_on_the_container_port() -> None:
    deployment = _one("Deployment", "customer-core")
    container = _container(deployment)
    (port,) = container["ports"]
    assert port["containerPort"] == 50051
    probes = {k: v for k, v in container.items() if k.endswith("Probe")}
    assert {"readinessProbe", "livenessProbe"} <= set(probes)
    for name, probe in probes.items():
        assert set(probe) & {"grpc", "httpGet", "tcpSocket", "exec"} == {"grpc"}, name
        assert probe["grpc"]["port"] == port["containerPort"], name
    config = _one("ConfigMap", container["envFrom"][0]["configMapRef"]["name"])
    assert int(config["data"]["CUSTOMER_CORE_PORT"]) == port["containerPort"]
    for service in _objects("Service"):
        if service["metadata"]["name"].startswith("customer-core"):
            assert service["spec"]["ports"][0]["targetPort"] in (
                port["name"],
                port["containerPort"],
            )


def test_kernel_deployment_is_replicated_sized_spread_and_budgeted() -> None:
    deployment = _one("Deployment", "customer-core")
    assert deployment["spec"]["replicas"] == 3
    assert _container(deployment)["command"] == ["customer-core", "serve"]
    resources = _container(deployment)["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    spread = _pod_spec(deployment)["topologySpreadConstraints"]
    assert "kubernetes.io/hostname" in {c["topologyKey"] for c in spread}
    assert all(c["labelSelector"]["matchLabels"].items() <= pod_labels.items() for c in spread)
    (budget,) = [
        b
        for b in _objects("PodDisruptionBudget")
        if b["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    ]
    assert budget["spec"].get("maxUnavailable") == 1 or budget["spec"].get("minAvailable") == 2


@pytest.mark.parametrize(
    ("kind", "name", "command"),
    [
        ("Deployment", "customer-core", ["customer-core", "serve"]),
        ("Job", "customer-core-migrate", ["customer-core", "migrate"]),
    ],
)
def test_kernel_and_migrate_get_the_database_url_from_a_secret(
    kind: str, name: str, command: list[str]
) -> None:
    workload = _one(kind, name)
    container = _container(workload)
    assert container["command"] == command
    (url_var,) = [e for e in container["env"] if e["name"] == "CUSTOMER_CORE_DATABASE_URL"]
    assert "value" not in url_var
    ref = url_var["valueFrom"]["secretKeyRef"]
    url = normalize_url(_example_value(ref["name"], ref["key"]))
    assert url.drivername == "cockroachdb+psycopg"
    assert url.host == "cockroachdb-public" and url.port == 26257
    assert url.database == "customer_core" and url.username != "root"
    assert url.query["sslmode"] == "verify-full"
    root_cert = Path(str(url.query["sslrootcert"]))
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in _pod_spec(workload)["volumes"]}
    assert volumes[mounts[str(root_cert.parent)]]["secret"]["secretName"] == "cockroachdb.ca"
    for source in container.get("envFrom", []):
        assert _one("ConfigMap", source["configMapRef"]["name"])


def test_service_and_budget_selectors_pick_exactly_their_long_running_pods() -> None:
    pods = {
        (w["kind"], w["metadata"]["name"]): w["spec"]["template"]["metadata"]["labels"]
        for w in OBJECTS
        if w["kind"] in ("Deployment", "StatefulSet", "Job")
    }
    for obj in _objects("Service") + _objects("PodDisruptionBudget"):
        selector = obj["spec"]["selector"]
        if obj["kind"] == "PodDisruptionBudget":
            selector = selector["matchLabels"]
        matched = [key for key, labels in pods.items() if selector.items() <= labels.items()]
        assert len(matched) == 1 and matched[0][0] != "Job", (obj["metadata"]["name"], matched)


def test_every_referenced_secret_is_an_example_or_a_documented_certificate() -> None:
    referenced: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "secretKeyRef" in node:
                referenced.add(node["secretKeyRef"]["name"])
            if "secretName" in node:
                referenced.add(node["secretName"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(OBJECTS)
    examples = {s["metadata"]["name"] for s in EXAMPLE_SECRETS}
    assert referenced - examples == CERTIFICATE_SECRETS
    readme = (DEPLOY / "README.md").read_text()
    for name in CERTIFICATE_SECRETS:
        assert f"create secret generic {name} " in readme, name
    # Secrets are defined only as labelled examples.
    assert [s for s in OBJECTS if s["kind"] == "Secret"] == EXAMPLE_SECRETS
    for secret in EXAMPLE_SECRETS:
        assert secret["metadata"]["labels"]["customer-core/example"] == "true"
    assert "EXAMPLE VALUES ONLY" in (KUBERNETES / "secrets.example.yaml").read_text()
