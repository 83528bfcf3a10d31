"""Tamper evidence over the whole event log.

- ``audit.merkle``: RFC 6962 Merkle trees over the events' hashes, with inclusion and
  consistency proofs and their verification (pure: standard library only).
- ``audit.checkpoints``: signed checkpoints (tree size, root, time) written to the
  ``checkpoints`` table with an Ed25519 key kept outside the database.
- ``audit.bundle``: a journey's events, the latest checkpoint and the proofs in one file,
  and the offline check of such a file (no database, no service).

Nothing is imported here, so that ``audit.merkle`` and ``audit.bundle`` load without the
store's database code.
"""
