"""The documentation holds together: every relative link in README.md, docs/*.md and
deploy/README.md leads to a file that exists (and, for a link into a Markdown file with a
`#fragment`, to one of its headings), and the README still names the commands a newcomer needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "deploy" / "README.md"]

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def prose(text: str) -> str:
    """The text without code blocks and code spans, where brackets are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def anchors(text: str) -> set[str]:
    """The fragments a Markdown renderer such as GitHub's gives the headings: lower case, the
    punctuation dropped, spaces as hyphens, and a repeated heading numbered from -1."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", text)):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(document: Path) -> list[str]:
    return [target for target in LINK.findall(prose(document.read_text(encoding="utf-8")))
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target)]


def test_the_documents_are_there() -> None:
    names = {d.relative_to(REPO).as_posix() for d in DOCUMENTS}
    for name in ("architecture", "http-api", "audit", "reports-and-census", "deployment", "benchmarks",
                 "reliability", "testing"):
        assert f"docs/{name}.md" in names
        assert f"(docs/{name}.md)" in (REPO / "README.md").read_text(encoding="utf-8"), f"README does not link {name}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.relative_to(REPO).as_posix())
def test_every_relative_link_leads_somewhere(document: Path) -> None:
    broken = []
    for target in relative_links(document):
        path, _, fragment = target.partition("#")
        destination = (document.parent / path).resolve() if path else document
        if not destination.exists():
            broken.append(f"{target}: no {path}")
        elif fragment and destination.suffix == ".md" and fragment not in anchors(destination.read_text(encoding="utf-8")):
            broken.append(f"{target}: no heading #{fragment} in {destination.relative_to(REPO)}")
    assert not broken, f"{document.relative_to(REPO)}:\n" + "\n".join(broken)


def test_the_readme_names_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_screen = "\n".join(readme.splitlines()[:40])
    assert "make run" in first_screen and "make test" in first_screen
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test", "test-fast"):
        assert re.search(rf"^{re.escape(target)}:", makefile, re.MULTILINE), f"the Makefile has no {target} target"


def test_the_anchors_are_worked_out_as_a_renderer_does() -> None:
    text = "# Embedded: `make run`\n## Access log: who has seen a child's record\n## Notes\n## Notes\n"
    assert anchors(text) == {"embedded-make-run", "access-log-who-has-seen-a-childs-record", "notes", "notes-1"}
