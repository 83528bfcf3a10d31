"""`pathways token create`: a bearer token for the embedded default.

Tokens live in `tokens.json` in the data folder, which keeps only their SHA-256: the token
itself is printed once, here, and cannot be shown again. The running service reads the file
on every request, so a new token works at once. (Production uses the LA's OIDC provider
instead; see docs/http-api.md, Identity.)
"""

from __future__ import annotations

import sys
from pathlib import Path

from domain.roles import ROLES
from services.identity import TokenFile

TOKENS_FILE = "tokens.json"
FIRST_RUN_LA = "873"


def token_file(data_dir: Path) -> TokenFile:
    return TokenFile(Path(data_dir) / TOKENS_FILE)


def create_main(args) -> int:
    try:
        token = token_file(Path(args.data_dir)).create(args.role, args.la, name=args.name)
    except ValueError as err:
        print(f"pathways token create: {err}", file=sys.stderr)
        return 2
    # Only the token on stdout, so a script can capture it: TOKEN=$(pathways token create ...)
    print(token)
    print(f"A {args.role} token for LA {args.la}; it is shown only this once.", file=sys.stderr)
    return 0


def first_run_tokens(data_dir: Path, local_authority: str = FIRST_RUN_LA) -> dict[str, str] | None:
    """On the embedded default's first start, one token per role for one LA (None if the data
    folder already has a token file: its tokens were shown when they were made)."""
    tokens = token_file(data_dir)
    if tokens.path.exists():
        return None
    return {role: tokens.create(role, local_authority, name=f"{role}-{local_authority}") for role in ROLES}


def describe_first_run(tokens: dict[str, str] | None, data_dir: Path, local_authority: str = FIRST_RUN_LA) -> str:
    more = f"pathways token create --role ROLE --la CODE --data-dir {data_dir}"
    if tokens is None:
        return f"Bearer tokens: as made before (only their hashes are kept in {TOKENS_FILE}); make another with `{more}`.\n"
    width = max(len(role) for role in tokens)
    lines = [f"Bearer tokens for LA {local_authority}, one per role (shown only this once; {TOKENS_FILE} keeps their hashes):"]
    lines += [f"  {role + ':':<{width + 1}}  {token}" for role, token in tokens.items()]
    lines.append(f"Make more with `{more}`.")
    return "\n".join(lines) + "\n"
