"""Writing a signed checkpoint of the event log (audit/checkpoints.py), as a Temporal activity.

The Ed25519 key comes from a file outside the database: `key` is either the key itself or a
function that reads it, called at each run, so a worker that never writes a checkpoint (the
tests' shared worker, say) never needs the file.
"""

from __future__ import annotations

from typing import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.names import WRITE_CHECKPOINT
from audit.checkpoints import CheckpointRefused, write_checkpoint


class CheckpointActivities:
    def __init__(self, engine: Engine, key: Ed25519PrivateKey | Callable[[], Ed25519PrivateKey]) -> None:
        self._engine = engine
        self._key = (lambda: key) if isinstance(key, Ed25519PrivateKey) else key

    @activity.defn(name=WRITE_CHECKPOINT)
    def write_checkpoint(self) -> dict | None:
        """The checkpoint now covering the whole log (a new one, or the latest if nothing was
        appended since), as JSON; None while the log is empty."""
        try:
            checkpoint = write_checkpoint(self._engine, self._key())
        except CheckpointRefused as refused:
            # The log no longer extends the latest checkpoint: retrying cannot mend that, and
            # the failed workflow is what an operator sees (with `pathways verify` to follow).
            raise ApplicationError(str(refused), {"position": refused.position}, type="CheckpointRefused",
                                   non_retryable=True) from refused
        return None if checkpoint is None else checkpoint.as_json()
