"""The embedded default's data folder made its user's alone (cli/data_folder.py): what an
earlier release left readable to all is put right, and nothing else in the folder is touched
(`--data-dir` may name a folder that holds other things)."""

from __future__ import annotations

import os
import stat

from cli.data_folder import make_private


def test_the_folder_and_the_services_files_become_its_users_alone(tmp_path):
    folder = tmp_path / "var"
    folder.mkdir(mode=0o755)
    own = ("pathways.db", "pathways.db-wal", "pathways.db-shm", "temporal.db", "temporal.log", "tokens.json",
           "id.key", "sealing-keys.json", "checkpoint.key", "service.json")
    for name in (*own, "notes.txt"):
        (folder / name).write_text("left by an earlier release")
        (folder / name).chmod(0o644)
    umask = os.umask(0o022)
    try:
        make_private(folder)
        made_now = folder / "made-after.txt"
        made_now.write_text("made under the new umask")
        assert stat.S_IMODE(made_now.stat().st_mode) == 0o600
    finally:
        os.umask(umask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {name: stat.S_IMODE((folder / name).stat().st_mode) for name in own} == {name: 0o600 for name in own}
    assert stat.S_IMODE((folder / "notes.txt").stat().st_mode) == 0o644
