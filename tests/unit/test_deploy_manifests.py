"""The deployment in deploy/: nothing can run it here (no Docker, no CockroachDB), so these tests
parse every file and check the facts a slip would break: what runs `customer-core`, which database
it gets, what starts after what, which port the probes ask, that production runs with mTLS and one
master key from a Secret shared by every replica, and that every setting exists."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
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

from customer_core.crypto.master_key import ENV_VAR as MASTER_KEY_VARIABLE
from customer_core.crypto.master_key import EnvMasterKey
from customer_core.errors import ConfigurationError
from customer_core.kernel.app import master_key_provider
from customer_core.kernel.config import Settings
from customer_core.storage import migrate
from customer_core.storage.engine import normalize_url

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
#: Manifests run by hand, once (not applied by `kubectl apply -f deploy/kubernetes/`).
BOOTSTRAP = KUBERNETES / "bootstrap"
YAML_FILES = sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))
README = (DEPLOY / "README.md").read_text()

#: Variables the CLI reads itself (`customers` commands), not through `Settings`.
CLI_VARIABLES = {"CUSTOMER_CORE_TARGET", "CUSTOMER_CORE_TOKEN"}
#: The settings customer-core reads, the master keys (read from the environment by
#: crypto/master_key.py, never through `Settings`) and the CLI's variables.
REAL_VARIABLES = (
    {f"CUSTOMER_CORE_{name.upper()}" for name in Settings.model_fields}
    | {MASTER_KEY_VARIABLE}
    | CLI_VARIABLES
)

#: Secrets holding certificates and keys, made by the README's commands (`cockroach cert`,
#: `openssl`), not by a manifest: a placeholder could not serve, and applying one would overwrite
#: the real Secret.
CERTIFICATE_SECRETS = {
    "cockroachdb.node",
    "cockroachdb.client.root",
    "cockroachdb.ca",
    "customer-core-tls",
}
#: The kernel's TLS settings and the key of the customer-core-tls Secret each must point at.
TLS_FILES = {
    "CUSTOMER_CORE_TLS_CERT_FILE": "tls.crt",
    "CUSTOMER_CORE_TLS_KEY_FILE": "tls.key",
    "CUSTOMER_CORE_TLS_CLIENT_CA_FILE": "client-ca.crt",
}
#: The placeholder master key of the examples: all zeros, so no real key is ever committed.
PLACEHOLDER_MASTER_KEY = "1:" + "0" * 32


def _documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


COMPOSE: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
OBJECTS: list[dict[str, Any]] = [
    doc for path in sorted(KUBERNETES.glob("*.yaml")) for doc in _documents(path)
]
BOOTSTRAP_OBJECTS: list[dict[str, Any]] = [
    doc for path in sorted(BOOTSTRAP.glob("*.yaml")) for doc in _documents(path)
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


def _kernel() -> dict[str, Any]:
    return _one("Deployment", "customer-core")


def _environment(container: dict[str, Any]) -> dict[str, str]:
    """The container's environment as Kubernetes builds it: ConfigMaps (`envFrom`), then `env`,
    which wins; values from Secrets are those of the example Secrets."""
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        environment.update(_one("ConfigMap", source["configMapRef"]["name"])["data"])
    for variable in container.get("env", []):
        if "value" in variable:
            environment[variable["name"]] = str(variable["value"])
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            environment[variable["name"]] = _example_value(ref["name"], ref["key"])
    return environment


def _secret_file(workload: dict[str, Any], path: str) -> tuple[str, str, dict[str, Any]]:
    """(Secret name, key, mount) of the file at `path` in `workload`'s container."""
    (mount,) = [
        m for m in _container(workload)["volumeMounts"] if Path(path).is_relative_to(m["mountPath"])
    ]
    (volume,) = [v for v in _pod_spec(workload)["volumes"] if v["name"] == mount["name"]]
    relative = str(Path(path).relative_to(mount["mountPath"]))
    items = {item["path"]: item["key"] for item in volume["secret"].get("items", [])}
    return volume["secret"]["secretName"], items.get(relative, relative), mount


def _readme_secret_command(name: str) -> str:
    """The README's `kubectl create secret generic <name> ...` command, continuation lines joined."""
    start = README.index(f"create secret generic {name} ")
    end = re.search(r"[^\\]\n", README[start:])
    assert end is not None
    return README[start : start + end.end()].replace("\\\n", " ")


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
    cli_source = " ".join(p.read_text() for p in (REPO / "src/customer_core/cli").glob("*.py"))
    assert all(variable in cli_source for variable in CLI_VARIABLES)
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
    assert final["EXPOSE"].split() == ["50051", "8081"]
    env = " ".join(args for instruction, args in instructions if instruction == "ENV")
    assert {
        "CUSTOMER_CORE_HOST=0.0.0.0",
        "CUSTOMER_CORE_PORT=50051",
        "CUSTOMER_CORE_HEALTH_PORT=8081",
    } <= set(env.split())


def test_the_healthcheck_asks_the_health_port_and_passes_only_while_serving() -> None:
    """Runs the Dockerfile's `python -c` check against a grpc.health.v1 server, as Docker would.

    The server stands for the plaintext health port; the main port (mTLS in production) has
    nothing the check could use, here nothing at all: the check must not depend on it."""
    code = _dockerfile_healthcheck_code()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    port = server.add_insecure_port("127.0.0.1:0")
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    on_health_port = {
        "CUSTOMER_CORE_PORT": str(closed_port),
        "CUSTOMER_CORE_HEALTH_PORT": str(port),
    }
    without_health_port = {"CUSTOMER_CORE_PORT": str(port), "CUSTOMER_CORE_HEALTH_PORT": "0"}

    def check(variables: dict[str, str]) -> int:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_CORE_")}
        run = subprocess.run(
            [sys.executable, "-c", code], env={**env, **variables}, capture_output=True, timeout=60
        )
        return run.returncode

    server.start()
    try:
        health.set("", health_pb2.HealthCheckResponse.SERVING)
        serving = check(on_health_port)
        fallback = check(without_health_port)  # no health port: the (plaintext) main port
        health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        not_serving = check(on_health_port)
    finally:
        server.stop(None).wait()
    assert (serving, fallback, not_serving) == (0, 0, 1)
    assert check(on_health_port) != 0  # nothing listening


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


def test_compose_kernels_are_a_labelled_development_trial_sharing_one_test_master_key() -> None:
    kernels = _compose_services_running("serve")
    environments = {name: kernel["environment"] for name, kernel in kernels.items()}
    for name, env in environments.items():
        assert env["CUSTOMER_CORE_ENVIRONMENT"] == "development", name
        assert not set(env) & set(TLS_FILES), f"{name}: the trial is plaintext, as labelled"
        health_port = int(env["CUSTOMER_CORE_HEALTH_PORT"])
        assert health_port and health_port != int(env["CUSTOMER_CORE_PORT"]), name
    # Replicas with different master keys could not unwrap each other's key-encrypting keys.
    keys = {name: env.get(MASTER_KEY_VARIABLE) for name, env in environments.items()}
    assert len(set(keys.values())) == 1, keys
    (key,) = set(keys.values())
    assert key == PLACEHOLDER_MASTER_KEY, "the compose key is a public TEST value, not a real key"
    assert EnvMasterKey(key).active_version() == 1
    text = (DEPLOY / "compose.yaml").read_text()
    assert "TEST MASTER KEY" in text and "CUSTOMER_CORE_ENVIRONMENT=development" in text


def test_minio_has_a_console_and_labelled_development_credentials() -> None:
    (minio,) = [s for s in SERVICES.values() if "minio/minio" in s["image"]]
    assert "--console-address" in _command(minio)
    for variable in ("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"):
        assert minio["environment"][variable].startswith(f"${{{variable}:-"), variable
    assert "DEVELOPMENT DEFAULT" in (DEPLOY / "compose.yaml").read_text()


# ---- Kubernetes --------------------------------------------------------------------------------


def test_every_kubernetes_object_is_in_the_namespace() -> None:
    (namespace,) = _objects("Namespace")
    for obj in OBJECTS + BOOTSTRAP_OBJECTS:
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


def test_kernel_probes_are_grpc_probes_on_the_plaintext_health_port() -> None:
    """The kubelet has no client certificate: probes on the mTLS port would always fail."""
    container = _container(_kernel())
    env = _environment(container)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["grpc"] == int(env["CUSTOMER_CORE_PORT"]) == 50051
    assert ports["health"] == int(env["CUSTOMER_CORE_HEALTH_PORT"]) == 8081
    probes = {k: v for k, v in container.items() if k.endswith("Probe")}
    assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(probes)
    for name, probe in probes.items():
        assert set(probe) & {"grpc", "httpGet", "tcpSocket", "exec"} == {"grpc"}, name
        assert probe["grpc"]["port"] == ports["health"], name
        assert probe["grpc"].get("service", "") == "", name
    # Clients reach the API port only, never the health-only port.
    for service in _objects("Service"):
        if service["metadata"]["name"].startswith("customer-core"):
            for port in service["spec"]["ports"]:
                assert port["targetPort"] in ("grpc", ports["grpc"]), service["metadata"]["name"]


def test_kernel_runs_in_production_with_tls_files_from_the_mounted_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deployment = _kernel()
    env = _environment(_container(deployment))
    assert env["CUSTOMER_CORE_ENVIRONMENT"] == "production"
    for variable, key in TLS_FILES.items():
        secret, found_key, mount = _secret_file(deployment, env[variable])
        assert (secret, found_key) == ("customer-core-tls", key), variable
        assert mount["readOnly"] is True, variable
    command = _readme_secret_command("customer-core-tls")
    for key in TLS_FILES.values():
        assert f"--from-file={key}=" in command, key
    # What `customer-core serve` checks before it starts (TLS, client CA, encryption, no SQLite).
    for variable in [v for v in os.environ if v.startswith("CUSTOMER_CORE_")]:
        monkeypatch.delenv(variable)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    settings = Settings()
    assert settings.environment == "production"
    assert settings.check_production() == []


def test_kernel_master_key_comes_from_a_secret_never_a_literal_or_a_pod_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Anywhere in Kubernetes: the master key is a secretKeyRef, never a value or ConfigMap entry.
    holders = []
    for workload in OBJECTS + BOOTSTRAP_OBJECTS:
        if workload["kind"] in ("Deployment", "StatefulSet", "Job"):
            for container in _pod_spec(workload)["containers"]:
                for variable in container.get("env", []):
                    if variable["name"] == MASTER_KEY_VARIABLE:
                        assert "value" not in variable, workload["metadata"]["name"]
                        ref = variable["valueFrom"]["secretKeyRef"]
                        assert (ref["name"], ref["key"]) == (
                            "customer-core-master-key",
                            "master-key",
                        )
                        holders.append((workload["kind"], workload["metadata"]["name"]))
    for config in _objects("ConfigMap"):
        assert MASTER_KEY_VARIABLE not in config.get("data", {}), config["metadata"]["name"]
    assert ("Deployment", "customer-core") in holders
    # The example is the public all-zero placeholder, in the form the kernel reads.
    example = _example_value("customer-core-master-key", "master-key")
    assert example == PLACEHOLDER_MASTER_KEY
    assert EnvMasterKey(example).active_version() == 1
    text = (KUBERNETES / "secrets.example.yaml").read_text()
    assert "python -c \"import secrets; print('1:' + secrets.token_hex(16))\"" in text
    # Every replica uses the Secret's key: none falls back to a key file of its own, and none
    # could make one (read-only root filesystem, no writable volume where the file would be).
    deployment = _kernel()
    container = _container(deployment)
    for variable in [v for v in os.environ if v.startswith("CUSTOMER_CORE_")]:
        monkeypatch.delenv(variable)
    for variable, value in _environment(container).items():
        monkeypatch.setenv(variable, value)
    settings = Settings()
    with pytest.raises(
        ConfigurationError, match="all-zero"
    ):  # the example key never serves production
        master_key_provider(settings)
    monkeypatch.setenv("CUSTOMER_CORE_MASTER_KEY", "1:" + secrets.token_hex(16))
    assert isinstance(master_key_provider(settings), EnvMasterKey)
    workdir = [args for instruction, args in _dockerfile() if instruction == "WORKDIR"][-1]
    key_file = Path(workdir) / settings.master_key_file
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    for mount in container["volumeMounts"]:
        assert mount.get("readOnly") or not key_file.is_relative_to(mount["mountPath"]), mount


def test_migrate_job_gets_the_database_url_and_nothing_else_secret() -> None:
    container = _container(_one("Job", "customer-core-migrate"))
    assert {v["name"] for v in container["env"]} == {"CUSTOMER_CORE_DATABASE_URL"}
    assert "envFrom" not in container
    mounted = {
        v["secret"]["secretName"]
        for v in _pod_spec(_one("Job", "customer-core-migrate"))["volumes"]
        if "secret" in v
    }
    assert mounted == {"cockroachdb.ca"}


def test_bootstrap_job_binds_the_first_administrator(tmp_path: Path) -> None:
    """Runs the Job's script as the pod would, against a migrated SQLite database."""
    # Not with the manifests `kubectl apply -f deploy/kubernetes/` applies: it runs once, by hand.
    assert "bindings grant" not in json.dumps(OBJECTS)
    (job,) = BOOTSTRAP_OBJECTS
    assert job["kind"] == "Job" and job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    container = _container(job)
    kernel = _container(_kernel())
    # The same database and master key as the kernel replicas.
    for name in ("CUSTOMER_CORE_DATABASE_URL", MASTER_KEY_VARIABLE):
        (own,) = [v for v in container["env"] if v["name"] == name]
        (kernels,) = [v for v in kernel["env"] if v["name"] == name]
        assert own == kernels, name
    url = _environment(container)["CUSTOMER_CORE_DATABASE_URL"]
    secret, _, _ = _secret_file(job, str(normalize_url(url).query["sslrootcert"]))
    assert secret == "cockroachdb.ca"

    shell, flag, script = container["command"]
    assert (shell, flag) == ("/bin/sh", "-c")
    database = f"sqlite:///{tmp_path / 'bootstrap.db'}"
    migrate(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_CORE_")}
    env |= _environment(container) | {
        "CUSTOMER_CORE_DATABASE_URL": database,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }

    def run(principal: str | None) -> subprocess.CompletedProcess[str]:
        variables = env if principal is None else {**env, "ADMIN_PRINCIPAL": principal}
        return subprocess.run(
            [shell, flag, script],
            env=variables,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    placeholder = run(None)
    assert placeholder.returncode != 0 and "ADMIN_PRINCIPAL" in placeholder.stderr
    granted = run("ops-admin-01")
    assert granted.returncode == 0, granted.stderr
    binding = json.loads(granted.stdout)
    assert (binding["principal"], binding["role"], binding["org_unit"]) == (
        "ops-admin-01",
        "admin",
        "*",
    )
    assert not (tmp_path / "var").exists(), "it made a master key file of its own"
    assert "bindings grant --principal" in README and "--role admin --org-unit '*'" in README


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


def test_kernel_runs_a_process_per_cpu_of_its_limit_each_with_enough_connections() -> None:
    """One process serves about one core (see api/processes.py): as many as the CPU limit, never
    `0` (which counts the node's CPUs, not the limit); each process's pool (with its overflow)
    has a connection for every RPC thread."""
    container = _container(_kernel())
    env = _environment(container)
    limit = str(container["resources"]["limits"]["cpu"])
    cpus = int(limit[:-1]) / 1000 if limit.endswith("m") else float(limit)
    processes = int(env["CUSTOMER_CORE_PROCESSES"])
    assert processes == cpus >= 1
    assert int(env["CUSTOMER_CORE_MAX_WORKERS"]) <= 2 * int(env["CUSTOMER_CORE_DB_POOL_SIZE"])
    for name, kernel in _compose_services_running("serve").items():
        variables = kernel["environment"]
        assert int(variables["CUSTOMER_CORE_PROCESSES"]) >= 1, name
        assert int(variables["CUSTOMER_CORE_MAX_WORKERS"]) <= 2 * int(
            variables["CUSTOMER_CORE_DB_POOL_SIZE"]
        ), name


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

    walk(OBJECTS + BOOTSTRAP_OBJECTS)
    examples = {s["metadata"]["name"] for s in EXAMPLE_SECRETS}
    assert referenced - examples == CERTIFICATE_SECRETS
    for name in CERTIFICATE_SECRETS:
        assert f"create secret generic {name} " in README, name
    # Secrets are defined only as labelled examples.
    assert [s for s in OBJECTS if s["kind"] == "Secret"] == EXAMPLE_SECRETS
    for secret in EXAMPLE_SECRETS:
        assert secret["metadata"]["labels"]["customer-core/example"] == "true"
    assert "EXAMPLE VALUES ONLY" in (KUBERNETES / "secrets.example.yaml").read_text()


def test_every_referenced_secret_key_exists() -> None:
    """A key missing from its Secret stops the pod; a typo is found here instead."""
    for workload in OBJECTS + BOOTSTRAP_OBJECTS:
        if workload["kind"] not in ("Deployment", "StatefulSet", "Job"):
            continue
        pod = _pod_spec(workload)
        refs = [
            (v["valueFrom"]["secretKeyRef"]["name"], v["valueFrom"]["secretKeyRef"]["key"])
            for c in pod["containers"] + pod.get("initContainers", [])
            for v in c.get("env", [])
            if "secretKeyRef" in v.get("valueFrom", {})
        ] + [
            (v["secret"]["secretName"], item["key"])
            for v in pod.get("volumes", [])
            if "secret" in v
            for item in v["secret"].get("items", [])
        ]
        for name, key in refs:
            if name in CERTIFICATE_SECRETS:
                assert f"--from-file={key}=" in _readme_secret_command(name), (name, key)
            else:
                assert _example_value(name, key) is not None, (name, key)
