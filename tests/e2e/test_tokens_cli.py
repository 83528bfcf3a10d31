"""`pathways token create` and the first start's tokens, for the embedded default."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from services.identity import Principal, TokenFile
from cli.main import main
from cli.tokens import describe_first_run, first_run_tokens

PATHWAYS = Path(sys.executable).parent / "pathways"


def test_token_create_prints_only_the_token_and_keeps_only_its_hash(tmp_path, capsys):
    assert main(["token", "create", "--role", "manager", "--la", "874", "--name", "tm-0007", "--data-dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith("sp_") and "\n" not in token and "shown only this once" in err
    assert TokenFile(tmp_path / "tokens.json").resolve(token) == Principal("tm-0007", "manager", "874")
    stored = (tmp_path / "tokens.json").read_text()
    assert token not in stored and json.loads(stored)
    assert (tmp_path / "tokens.json").stat().st_mode & 0o077 == 0  # its owner's only

    assert main(["token", "create", "--role", "auditor", "--la", "87", "--data-dir", str(tmp_path)]) == 2
    assert "three digits" in capsys.readouterr().err


def test_the_console_script_refuses_an_unknown_role(tmp_path):
    run = subprocess.run([str(PATHWAYS), "token", "create", "--role", "root", "--la", "873", "--data-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "invalid choice" in run.stderr and not (tmp_path / "tokens.json").exists()


def test_the_first_start_makes_one_token_per_role_once(tmp_path):
    tokens = first_run_tokens(tmp_path)
    assert set(tokens) == {"system", "practitioner", "manager", "auditor", "admin"}
    identity = TokenFile(tmp_path / "tokens.json")
    assert {identity.resolve(t) for t in tokens.values()} == {Principal(f"{r}-873", r, "873") for r in tokens}
    text = describe_first_run(tokens, tmp_path)
    assert all(t in text for t in tokens.values()) and "pathways token create --role ROLE --la CODE" in text
    assert first_run_tokens(tmp_path) is None  # a second start shows none again
    assert "sp_" not in describe_first_run(None, tmp_path)
