"""`pathways audit checkpoint | export | verify | consistency | public-key` and `pathways verify`
on the embedded default's data folder; `audit verify` run as the installed command, from
another folder, with nothing but the bundle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from audit.statements import key_id, load_or_create_key, public_key_pem
from cli.main import main
from settings import Settings
from store.engine import make_engine, migrate
from store.events import EventStore
from store.records import NewEvent

PATHWAYS = Path(sys.executable).parent / "pathways"


def note(n: int) -> NewEvent:
    return NewEvent(event_id=f"00000000-0000-4000-8000-{n:012d}", type="CaseNoteAdded", occurred_on=None,
                    actor="user-0042", actor_role="social_worker", command_id=f"cmd-{n}", schema_version=1,
                    data={"note_ref": f"n-{n}"})


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch, keep_logging) -> Path:
    """An embedded data folder with a log of two journeys (A: 3 events, B: 2) and the
    checkpoint key, as `pathways up` leaves it."""
    for variable in ("PATHWAYS_DATABASE_URL", "PATHWAYS_CHECKPOINT_KEY_FILE", "PATHWAYS_DATA_DIR"):
        monkeypatch.delenv(variable, raising=False)
    folder = tmp_path / "var"
    settings = Settings.embedded(folder)
    folder.mkdir(exist_ok=True)  # Settings.embedded has made it for the id key
    migrate(settings.database_url)
    store = EventStore(make_engine(settings.database_url))
    store.append("journey-a", 0, [note(1), note(2)])
    store.append("journey-b", 0, [note(3), note(4)])
    store.append("journey-a", 2, [note(5)])
    store.engine.dispose()
    load_or_create_key(settings.checkpoint_key_path)
    return folder


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed `pathways`, in a folder with no data and no PATHWAYS_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATHWAYS_")}
    return subprocess.run([str(PATHWAYS), *args], capture_output=True, text=True, timeout=60, cwd=cwd, env=env)


def test_export_then_verify_offline(data_dir: Path, tmp_path: Path, capsys) -> None:
    where = ["--data-dir", str(data_dir)]
    assert main(["audit", "checkpoint", *where]) == 0
    assert capsys.readouterr().out.startswith("Checkpoint: positions 1..5, root ")

    bundle = tmp_path / "journey-a.jsonl"
    assert main(["audit", "export", "journey-a", "-o", str(bundle), *where]) == 0
    assert "Exported 3 events of journey journey-a" in capsys.readouterr().err
    assert main(["audit", "public-key", *where]) == 0
    pem = capsys.readouterr().out
    (tmp_path / "published.pem").write_text(pem)

    elsewhere = tmp_path / "auditor"
    elsewhere.mkdir()
    verified = run("audit", "verify", str(bundle), cwd=elsewhere)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("OK: journey journey-a, 3 events")
    assert f"Compare key id {key_id(load_or_create_key(data_dir / 'checkpoint.key'))}" in verified.stdout
    pinned = run("audit", "verify", str(bundle), "--key", str(tmp_path / "published.pem"), cwd=elsewhere)
    assert pinned.returncode == 0 and "Compare key id" not in pinned.stdout
    (tmp_path / "other.pem").write_text(public_key_pem(Ed25519PrivateKey.generate()))
    impostor = run("audit", "verify", str(bundle), "--key", str(tmp_path / "other.pem"), cwd=elsewhere)
    assert impostor.returncode == 1 and "not the trusted key" in impostor.stdout
    assert list(elsewhere.iterdir()) == []  # nothing written where it ran

    # One byte of the journey's second event changed: named by its position.
    lines = bundle.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace('"n-2"', '"n-3"')
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(lines))
    broken = run("audit", "verify", str(tampered), cwd=elsewhere)
    assert broken.returncode == 1
    assert broken.stdout.startswith("BROKEN at position 2, version 2") and "hash does not match contents" in broken.stdout


def test_consistency_between_two_checkpoints(data_dir: Path, tmp_path: Path, capsys) -> None:
    where = ["--data-dir", str(data_dir)]
    assert main(["audit", "checkpoint", *where]) == 0
    store = EventStore(make_engine(Settings.embedded(data_dir).database_url))
    store.append("journey-b", 2, [note(6), note(7)])
    assert main(["audit", "checkpoint", *where]) == 0
    capsys.readouterr()

    assert main(["audit", "consistency", "--from", "5", *where]) == 0
    document = capsys.readouterr().out
    assert (json.loads(document)["from"]["tree_size"], json.loads(document)["to"]["tree_size"]) == (5, 7)
    (tmp_path / "proof.json").write_text(document)
    checked = run("audit", "verify", str(tmp_path / "proof.json"), cwd=tmp_path)
    assert checked.returncode == 0 and checked.stdout.startswith("OK: the later checkpoint extends the earlier one")

    assert main(["audit", "consistency", "--from", "6", *where]) == 1
    assert "no stored checkpoint of size 6" in capsys.readouterr().err

    # `pathways verify`: the chains, then the log against both checkpoints.
    assert main(["verify", "--workers", "1", *where]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: 7 events in 2 journeys")
    assert "agrees with all 2 signed checkpoints, the latest covering positions 1..7" in out
    store.engine.dispose()


def test_verify_names_a_cut_tail_the_chains_cannot_see(data_dir: Path, capsys) -> None:
    where = ["--data-dir", str(data_dir)]
    assert main(["audit", "checkpoint", *where]) == 0
    engine = make_engine(Settings.embedded(data_dir).database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER events_no_delete"))
        connection.execute(text("DELETE FROM events WHERE position = 5"))
    engine.dispose()
    capsys.readouterr()

    assert main(["verify", "--workers", "1", *where]) == 1
    out = capsys.readouterr().out
    assert out.startswith("OK: 4 events in 2 journeys")  # every chain still links
    assert "BROKEN at position 5: the log ends at position 4, but checkpoint 5" in out

    # No new checkpoint over it, and the journey's bundle says where the log stopped matching.
    assert main(["audit", "checkpoint", *where]) == 1
    assert "REFUSED at position 5" in capsys.readouterr().out
    assert main(["audit", "export", "journey-a", "-o", "-", *where]) == 1
    captured = capsys.readouterr()
    # Written all the same: header, key, checkpoint, consistency, A1, A2, manifest.
    assert captured.out.count("\n") == 7
    assert "does NOT verify: at position 5" in captured.err


def test_without_a_key_file_nothing_is_signed(data_dir: Path, capsys) -> None:
    (data_dir / "checkpoint.key").unlink()
    with pytest.raises(SystemExit, match="No checkpoint signing key"):
        main(["audit", "checkpoint", "--data-dir", str(data_dir)])


def test_the_key_file_and_interval_settings(tmp_path: Path) -> None:
    assert Settings().checkpoint_key_path == Path("var") / "checkpoint.key"
    assert Settings.embedded(tmp_path).checkpoint_key_path == tmp_path / "checkpoint.key"
    assert Settings.from_env({"PATHWAYS_DATA_DIR": str(tmp_path)}).checkpoint_key_path == tmp_path / "checkpoint.key"
    production = Settings.from_env({"PATHWAYS_CHECKPOINT_KEY_FILE": "/run/secrets/checkpoint.pem",
                                    "PATHWAYS_CHECKPOINT_INTERVAL_SECONDS": "900"})
    assert (production.checkpoint_key_path, production.checkpoint_interval_seconds) == (
        Path("/run/secrets/checkpoint.pem"), 900.0)
    assert Settings.from_env(production.env()) == production
    assert Settings.from_env(Settings().env()) == Settings()
