"""Settings, read from the environment (production) or derived from a data folder (embedded).

Production sets PATHWAYS_* variables; `pathways up` derives everything from `--data-dir`
so that one folder holds the whole embedded service's state.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.webhook_targets import AllowList

# The data folder: `PATHWAYS_DATA_DIR` where a deployment sets it (the CLI in a container), else ./var.
DEFAULT_DATA_DIR = Path(os.environ.get("PATHWAYS_DATA_DIR") or "var")
# The checkpoint signing key's file name in a data folder (PATHWAYS_CHECKPOINT_KEY_FILE overrides).
CHECKPOINT_KEY_FILE = "checkpoint.key"
# The sealing key ring's file name in a data folder (PATHWAYS_SEALING_KEYS gives a ring instead).
SEALING_KEYS_FILE = "sealing-keys.json"
# The interpreter of DfE's CIN census validator (reports/cin_validation.py): its own virtual
# environment, which `make` creates in the project folder (PATHWAYS_CIN_VALIDATOR_PYTHON overrides).
DEFAULT_CIN_VALIDATOR_PYTHON = Path(__file__).resolve().parent / ".venv-cin" / "bin" / "python"
# This machine, to which the embedded default lets webhooks go (and over http).
LOOPBACK = ("127.0.0.0/8", "::1")
# Settings field -> environment variable, for the webhook delivery knobs (all in seconds).
WEBHOOK_VARIABLES = {
    "webhook_retry_initial_seconds": "PATHWAYS_WEBHOOK_RETRY_INITIAL_SECONDS",
    "webhook_retry_maximum_seconds": "PATHWAYS_WEBHOOK_RETRY_MAXIMUM_SECONDS",
    "webhook_give_up_after_seconds": "PATHWAYS_WEBHOOK_GIVE_UP_AFTER_SECONDS",
    "webhook_timeout_seconds": "PATHWAYS_WEBHOOK_TIMEOUT_SECONDS",
    "webhook_sweep_interval_seconds": "PATHWAYS_WEBHOOK_SWEEP_INTERVAL_SECONDS",
    "webhook_sweep_min_age_seconds": "PATHWAYS_WEBHOOK_SWEEP_MIN_AGE_SECONDS",
}

# The operator's settings that the embedded default (`pathways up`, and the CLI on its data
# folder) takes from the environment: those about the rules, the resources of one machine,
# webhooks, sign-in and DfE's validator. Not taken: where Temporal and the database are and how
# to reach them (the embedded default runs its own), the data folder's keys and tokens (the
# folder has its own), and a deployment's own knobs (migrating on start, the worker's health
# port, the Temporal UI's origins).
EMBEDDED_FROM_ENV = {
    "timescale_policy": "PATHWAYS_TIMESCALE_POLICY",
    "closure_days": "PATHWAYS_CLOSURE_DAYS",
    "cin_validator_python": "PATHWAYS_CIN_VALIDATOR_PYTHON",
    "webhook_allowed_hosts": "PATHWAYS_WEBHOOK_ALLOWED_HOSTS",
    **WEBHOOK_VARIABLES,
    "checkpoint_interval_seconds": "PATHWAYS_CHECKPOINT_INTERVAL_SECONDS",
    "max_concurrent_activities": "PATHWAYS_MAX_CONCURRENT_ACTIVITIES",
    "max_concurrent_workflow_tasks": "PATHWAYS_MAX_CONCURRENT_WORKFLOW_TASKS",
    "max_cached_workflows": "PATHWAYS_MAX_CACHED_WORKFLOWS",
    "db_pool_size": "PATHWAYS_DB_POOL_SIZE",
    "db_max_overflow": "PATHWAYS_DB_MAX_OVERFLOW",
    "shutdown_grace_seconds": "PATHWAYS_SHUTDOWN_GRACE_SECONDS",
    "oidc_issuer": "PATHWAYS_OIDC_ISSUER",
    "oidc_audience": "PATHWAYS_OIDC_AUDIENCE",
    "oidc_jwks_url": "PATHWAYS_OIDC_JWKS_URL",
    "oidc_role_claim": "PATHWAYS_OIDC_ROLE_CLAIM",
    "oidc_la_claim": "PATHWAYS_OIDC_LA_CLAIM",
}


@dataclass(frozen=True)
class Settings:
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "journeys"
    database_url: str = "sqlite:///var/pathways.db"
    # Keys the journey workflow id derived from the LA's child id, so Temporal (whose ids
    # are not encrypted) never holds a guessable form of it.
    id_key: bytes = b""
    search_attributes: bool = False
    timescale_policy: str = "national"  # or "roth-cadence" for 6-weekly ROTH reviews
    closure_days: tuple[date, ...] = ()
    max_concurrent_activities: int = 50
    max_concurrent_workflow_tasks: int = 50
    max_cached_workflows: int = 2000
    # The event store's SQLAlchemy connection pool (QueuePool): connections kept open, and how
    # many more may be opened under load. None keeps SQLAlchemy's defaults (5 and 10).
    # Activities beyond pool size + overflow wait for a connection (bench/results/scale.md).
    db_pool_size: int | None = None
    db_max_overflow: int | None = None
    # Continue-as-new after this many updates: well below Temporal's 2,000 per run.
    max_updates_per_run: int = 500
    # Webhook delivery (workflows/notifications.py): retries back off exponentially from
    # `initial` up to `maximum` between attempts and give up after `give_up_after`;
    # `timeout` bounds one HTTP attempt; the sweeper re-drives notifications older than
    # `min_age` that no delivery looks after, every `interval`.
    webhook_retry_initial_seconds: float = 1.0
    webhook_retry_maximum_seconds: float = 600.0
    webhook_give_up_after_seconds: float = 3 * 24 * 3600.0
    webhook_timeout_seconds: float = 10.0
    webhook_sweep_interval_seconds: float = 60.0
    webhook_sweep_min_age_seconds: float = 60.0
    # Hosts and networks (`127.0.0.1`, `hooks.la.internal`, `10.20.0.0/16`) webhooks may go to
    # although they are not public, and over plain http (domain/webhook_targets.py). None from
    # the environment unless PATHWAYS_WEBHOOK_ALLOWED_HOSTS names them; the embedded default
    # allows this machine, where `pathways up` and its receivers run.
    webhook_allowed_hosts: tuple[str, ...] = ()
    data_dir: Path | None = None
    # Production identity: OIDC access tokens from the LA's identity provider (api/oidc.py).
    # Unset, only the embedded default's token file (tokens.json in the data folder) is used.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_role_claim: str = "pathways_role"
    oidc_la_claim: str = "pathways_la"
    # Tamper evidence (audit/checkpoints.py): the Ed25519 private key (PEM) that signs the
    # log's checkpoints, kept outside the database; None means `checkpoint.key` in the data
    # folder (`checkpoint_key_path`). A Temporal Schedule writes a checkpoint this often.
    checkpoint_key_file: Path | None = None
    checkpoint_interval_seconds: float = 3600.0
    # DfE's CIN census validator runs under its own Python (it pins pandas 1.5 and numpy<2).
    cin_validator_python: Path = DEFAULT_CIN_VALIDATOR_PYTHON
    # Connecting to a Temporal cluster that needs it (workflows/connection.py): TLS with the
    # system's CAs or `temporal_tls_ca_file`, mutual TLS with a client certificate and key,
    # or an API key (Temporal Cloud; it implies TLS).
    temporal_tls: bool = False
    temporal_tls_ca_file: Path | None = None
    temporal_tls_cert_file: Path | None = None
    temporal_tls_key_file: Path | None = None
    temporal_tls_server_name: str | None = None
    temporal_api_key: str | None = None
    # The embedded default migrates the database when the worker starts; a deployment runs
    # `pathways migrate` once, as the schema's owner, and tells its workers not to.
    migrate_on_start: bool = True
    # The sealing key ring (sealing/keys.py) as JSON, from a deployment's secret; None: the
    # ring in the data folder's file, made on first use.
    sealing_keys: str | None = None
    # The Temporal UI's origins (scheme, host and port), whose pages may call the codec
    # endpoint (api/routes/codec.py) from the browser; none: no cross-origin calls.
    temporal_ui_origins: tuple[str, ...] = ()
    # The worker's /healthz, /readyz and /metrics (observability/health.py); None: no port.
    worker_health_port: int | None = None
    # On SIGTERM a worker stops polling and gives the tasks it holds this long to finish.
    shutdown_grace_seconds: float = 30.0

    @property
    def checkpoint_key_path(self) -> Path:
        if self.checkpoint_key_file is not None:
            return self.checkpoint_key_file
        return (self.data_dir or DEFAULT_DATA_DIR) / CHECKPOINT_KEY_FILE

    @property
    def sealing_keys_path(self) -> Path:
        return (self.data_dir or DEFAULT_DATA_DIR) / SEALING_KEYS_FILE

    @property
    def webhook_allow_list(self) -> "AllowList":
        from domain.webhook_targets import AllowList

        return AllowList.parse(self.webhook_allowed_hosts)

    @property
    def temporal_uses_tls(self) -> bool:
        return self.temporal_tls or self.temporal_api_key is not None

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings":
        env = with_secret_files(os.environ if env is None else env)
        data_dir = Path(env["PATHWAYS_DATA_DIR"]) if env.get("PATHWAYS_DATA_DIR") else None
        given_id_key = bytes.fromhex(env["PATHWAYS_ID_KEY"]) if env.get("PATHWAYS_ID_KEY") else None
        # A data folder holds the tokens; it makes no id key of its own when one is given.
        defaults = cls.embedded(data_dir, id_key=given_id_key) if data_dir else cls()
        closure = env.get("PATHWAYS_CLOSURE_DAYS", "")
        return cls(
            temporal_address=env.get("PATHWAYS_TEMPORAL_ADDRESS", defaults.temporal_address),
            temporal_namespace=env.get("PATHWAYS_TEMPORAL_NAMESPACE", defaults.temporal_namespace),
            task_queue=env.get("PATHWAYS_TASK_QUEUE", defaults.task_queue),
            database_url=with_password(
                env.get("PATHWAYS_DATABASE_URL", defaults.database_url), env.get("PATHWAYS_DATABASE_PASSWORD")),
            id_key=given_id_key or defaults.id_key,
            search_attributes=env.get("PATHWAYS_SEARCH_ATTRIBUTES", "1" if defaults.search_attributes else "0") == "1",
            timescale_policy=env.get("PATHWAYS_TIMESCALE_POLICY", defaults.timescale_policy),
            closure_days=tuple(date.fromisoformat(d) for d in closure.split(",") if d.strip()) or defaults.closure_days,
            max_concurrent_activities=int(env.get("PATHWAYS_MAX_CONCURRENT_ACTIVITIES", defaults.max_concurrent_activities)),
            max_concurrent_workflow_tasks=int(env.get("PATHWAYS_MAX_CONCURRENT_WORKFLOW_TASKS", defaults.max_concurrent_workflow_tasks)),
            max_cached_workflows=int(env.get("PATHWAYS_MAX_CACHED_WORKFLOWS", defaults.max_cached_workflows)),
            db_pool_size=_optional_int(env.get("PATHWAYS_DB_POOL_SIZE"), defaults.db_pool_size),
            db_max_overflow=_optional_int(env.get("PATHWAYS_DB_MAX_OVERFLOW"), defaults.db_max_overflow),
            **{name: float(env[var]) for name, var in WEBHOOK_VARIABLES.items() if env.get(var)},
            # Never the embedded default's: a deployment allows only what it names.
            webhook_allowed_hosts=_allowed_hosts(env.get("PATHWAYS_WEBHOOK_ALLOWED_HOSTS")),
            data_dir=data_dir,
            oidc_issuer=env.get("PATHWAYS_OIDC_ISSUER") or None,
            oidc_audience=env.get("PATHWAYS_OIDC_AUDIENCE") or None,
            oidc_jwks_url=env.get("PATHWAYS_OIDC_JWKS_URL") or None,
            oidc_role_claim=env.get("PATHWAYS_OIDC_ROLE_CLAIM") or defaults.oidc_role_claim,
            oidc_la_claim=env.get("PATHWAYS_OIDC_LA_CLAIM") or defaults.oidc_la_claim,
            checkpoint_key_file=(
                Path(env["PATHWAYS_CHECKPOINT_KEY_FILE"]) if env.get("PATHWAYS_CHECKPOINT_KEY_FILE")
                else defaults.checkpoint_key_file
            ),
            checkpoint_interval_seconds=float(
                env.get("PATHWAYS_CHECKPOINT_INTERVAL_SECONDS") or defaults.checkpoint_interval_seconds
            ),
            cin_validator_python=(
                Path(env["PATHWAYS_CIN_VALIDATOR_PYTHON"]) if env.get("PATHWAYS_CIN_VALIDATOR_PYTHON")
                else defaults.cin_validator_python
            ),
            temporal_tls=_flag(env.get("PATHWAYS_TEMPORAL_TLS"), defaults.temporal_tls),
            temporal_tls_ca_file=_optional_path(env.get("PATHWAYS_TEMPORAL_TLS_CA_FILE")),
            temporal_tls_cert_file=_optional_path(env.get("PATHWAYS_TEMPORAL_TLS_CERT_FILE")),
            temporal_tls_key_file=_optional_path(env.get("PATHWAYS_TEMPORAL_TLS_KEY_FILE")),
            temporal_tls_server_name=env.get("PATHWAYS_TEMPORAL_TLS_SERVER_NAME") or None,
            temporal_api_key=env.get("PATHWAYS_TEMPORAL_API_KEY") or None,
            sealing_keys=env.get("PATHWAYS_SEALING_KEYS") or defaults.sealing_keys,
            temporal_ui_origins=tuple(o.strip() for o in env.get("PATHWAYS_TEMPORAL_UI_ORIGINS", "").split(",")
                                      if o.strip()) or defaults.temporal_ui_origins,
            migrate_on_start=_flag(env.get("PATHWAYS_MIGRATE_ON_START"), defaults.migrate_on_start),
            worker_health_port=_optional_int(env.get("PATHWAYS_WORKER_HEALTH_PORT"), defaults.worker_health_port),
            shutdown_grace_seconds=float(
                env.get("PATHWAYS_SHUTDOWN_GRACE_SECONDS") or defaults.shutdown_grace_seconds),
        )

    @classmethod
    def embedded(cls, data_dir: Path, temporal_port: int = 7233, id_key: bytes | None = None) -> "Settings":
        """The embedded default: everything under one data folder, search attributes registered
        (the id key made there on first use, unless one is given)."""
        data_dir = Path(data_dir)
        return cls(
            temporal_address=f"localhost:{temporal_port}",
            database_url=f"sqlite:///{(data_dir / 'pathways.db').resolve()}",
            id_key=id_key or embedded_id_key(data_dir),
            search_attributes=True,
            webhook_allowed_hosts=LOOPBACK,
            data_dir=data_dir,
            temporal_ui_origins=(f"http://127.0.0.1:{temporal_port + 1000}",),
        )

    @classmethod
    def embedded_with_env(cls, data_dir: Path, temporal_port: int = 7233, env: dict | None = None) -> "Settings":
        """The embedded default, with the operator's settings that `env` (the process's
        environment by default) sets among EMBEDDED_FROM_ENV, read as `from_env` reads them.
        Webhook hosts named there are allowed beside this machine, which the embedded
        default allows already."""
        env = os.environ if env is None else env
        named = {field: variable for field, variable in EMBEDDED_FROM_ENV.items() if variable in embedded_variables(env)}
        embedded = cls.embedded(data_dir, temporal_port)
        if not named:
            return embedded
        # Only the variables taken, so that nothing else (a data folder, a database) is read.
        given = cls.from_env({variable: env[variable] for variable in named.values()})
        taken = {field: getattr(given, field) for field in named}
        if "webhook_allowed_hosts" in taken:
            taken["webhook_allowed_hosts"] = tuple(dict.fromkeys(embedded.webhook_allowed_hosts + given.webhook_allowed_hosts))
        return replace(embedded, **taken)

    def env(self) -> dict[str, str]:
        """These settings as PATHWAYS_* variables, for child processes."""
        return {
            "PATHWAYS_TEMPORAL_ADDRESS": self.temporal_address,
            "PATHWAYS_TEMPORAL_NAMESPACE": self.temporal_namespace,
            "PATHWAYS_TASK_QUEUE": self.task_queue,
            "PATHWAYS_DATABASE_URL": self.database_url,
            "PATHWAYS_ID_KEY": self.id_key.hex(),
            "PATHWAYS_SEARCH_ATTRIBUTES": "1" if self.search_attributes else "0",
            "PATHWAYS_TIMESCALE_POLICY": self.timescale_policy,
            "PATHWAYS_CLOSURE_DAYS": ",".join(d.isoformat() for d in self.closure_days),
            "PATHWAYS_MAX_CONCURRENT_ACTIVITIES": str(self.max_concurrent_activities),
            "PATHWAYS_MAX_CONCURRENT_WORKFLOW_TASKS": str(self.max_concurrent_workflow_tasks),
            "PATHWAYS_MAX_CACHED_WORKFLOWS": str(self.max_cached_workflows),
            "PATHWAYS_DB_POOL_SIZE": "" if self.db_pool_size is None else str(self.db_pool_size),
            "PATHWAYS_DB_MAX_OVERFLOW": "" if self.db_max_overflow is None else str(self.db_max_overflow),
            **{var: str(getattr(self, name)) for name, var in WEBHOOK_VARIABLES.items()},
            "PATHWAYS_WEBHOOK_ALLOWED_HOSTS": ",".join(self.webhook_allowed_hosts),
            "PATHWAYS_OIDC_ISSUER": self.oidc_issuer or "",
            "PATHWAYS_OIDC_AUDIENCE": self.oidc_audience or "",
            "PATHWAYS_OIDC_JWKS_URL": self.oidc_jwks_url or "",
            "PATHWAYS_OIDC_ROLE_CLAIM": self.oidc_role_claim,
            "PATHWAYS_OIDC_LA_CLAIM": self.oidc_la_claim,
            "PATHWAYS_CHECKPOINT_KEY_FILE": "" if self.checkpoint_key_file is None else str(self.checkpoint_key_file),
            "PATHWAYS_CHECKPOINT_INTERVAL_SECONDS": str(self.checkpoint_interval_seconds),
            "PATHWAYS_CIN_VALIDATOR_PYTHON": str(self.cin_validator_python),
            "PATHWAYS_TEMPORAL_TLS": "1" if self.temporal_tls else "0",
            "PATHWAYS_TEMPORAL_TLS_CA_FILE": _path_or_empty(self.temporal_tls_ca_file),
            "PATHWAYS_TEMPORAL_TLS_CERT_FILE": _path_or_empty(self.temporal_tls_cert_file),
            "PATHWAYS_TEMPORAL_TLS_KEY_FILE": _path_or_empty(self.temporal_tls_key_file),
            "PATHWAYS_TEMPORAL_TLS_SERVER_NAME": self.temporal_tls_server_name or "",
            "PATHWAYS_TEMPORAL_API_KEY": self.temporal_api_key or "",
            "PATHWAYS_SEALING_KEYS": self.sealing_keys or "",
            "PATHWAYS_TEMPORAL_UI_ORIGINS": ",".join(self.temporal_ui_origins),
            "PATHWAYS_MIGRATE_ON_START": "1" if self.migrate_on_start else "0",
            "PATHWAYS_WORKER_HEALTH_PORT": "" if self.worker_health_port is None else str(self.worker_health_port),
            "PATHWAYS_SHUTDOWN_GRACE_SECONDS": str(self.shutdown_grace_seconds),
        }


def embedded_variables(env) -> list[str]:
    """The variables of EMBEDDED_FROM_ENV that `env` sets (the embedded default takes them)."""
    return [variable for variable in EMBEDDED_FROM_ENV.values() if env.get(variable)]


# Variables that may instead name a file holding their value (PATHWAYS_ID_KEY_FILE, say): the
# secrets convention of Docker and Kubernetes, so that no secret need sit in the environment.
SECRET_VARIABLES = (
    "PATHWAYS_ID_KEY", "PATHWAYS_DATABASE_URL", "PATHWAYS_DATABASE_PASSWORD", "PATHWAYS_TEMPORAL_API_KEY",
    "PATHWAYS_SEALING_KEYS",
)


def with_secret_files(env) -> dict:
    """`env` with each `<secret>_FILE` read into `<secret>` (a value given directly wins)."""
    resolved = dict(env)
    for name in SECRET_VARIABLES:
        path = env.get(f"{name}_FILE")
        if path and not env.get(name):
            try:
                resolved[name] = Path(path).read_text().strip()
            except OSError as err:
                raise SystemExit(f"{name}_FILE names {path}, which cannot be read ({err.strerror}).") from None
    return resolved


def with_password(url: str, password: str | None) -> str:
    """The database URL with its password put in, so the URL itself can live in a ConfigMap."""
    if not password:
        return url
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=password).render_as_string(hide_password=False)


def _flag(value: str | None, default: bool) -> bool:
    return default if value in (None, "") else value.strip().lower() in ("1", "true", "yes", "on")


def _allowed_hosts(value: str | None) -> tuple[str, ...]:
    """A comma-separated list of hosts and networks, refused at start if any is neither."""
    from domain.webhook_targets import AllowList

    hosts = tuple(item.strip() for item in (value or "").split(",") if item.strip())
    try:
        AllowList.parse(hosts)
    except ValueError as err:
        raise SystemExit(f"PATHWAYS_WEBHOOK_ALLOWED_HOSTS: {err}.") from None
    return hosts


def _optional_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _path_or_empty(value: Path | None) -> str:
    return "" if value is None else str(value)


def _optional_int(value: str | None, default: int | None) -> int | None:
    """An unset or empty variable keeps the default (env() writes "" for None)."""
    return int(value) if value not in (None, "") else default


def embedded_id_key(data_dir: Path) -> bytes:
    """The embedded default's id key: made once, kept in the data folder, readable by its owner only."""
    path = Path(data_dir) / "id.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return bytes.fromhex(path.read_text().strip())


def exit_directly(code: int) -> None:
    """Leave the process once its work is done, without interpreter teardown.

    temporalio's Rust client threads can still be calling into Python while the interpreter
    finalizes, which aborts the process ("PyGILState_Release ... must be current") after it
    has done all its work (temporalio/sdk-python issue 300). So run the exit handlers, flush
    what was written and exit directly with the code.
    """
    import atexit
    import logging
    import sys

    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
