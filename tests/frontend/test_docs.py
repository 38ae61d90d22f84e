"""The documentation cannot rot silently: every relative link and image of README.md and
docs/**/*.md points at something that exists, every role guide exists in French and English,
and the docs index lists every document. Plain file checks: no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GUIDES = DOCS / "guides"
# The role guides issue 10 asks for: coordination, CAE team, animateur, member, partner, client.
ROLE_GUIDES = ("coordination", "equipe-cae", "animateur", "cooperant", "partenaire", "client")

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
# [text](target) and ![alt](target); the target stops at whitespace or the closing parenthesis
# (an optional "title" may follow).
LINK = re.compile(r"(!?)\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
BACKTICKED_DOC = re.compile(r"`((?:docs|\.\./docs)/[\w./-]+\.md)`")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
# A page the guides name: `/factures/<numéro>/`, or `…/decisions/` below a cooperative's page.
PAGE_PATH = re.compile(r"`((?:/|…/)[^`\s]*)`")
PLACEHOLDER = re.compile(r"<[^>]+>")
SITES = ("coopilote.urls_public", "coopilote.urls_tenants")
# Where the product reads its environment: django-environ in the settings, os.environ in gunicorn.
SETTINGS = ROOT / "platform" / "coopilote" / "settings"
ENVIRONMENT_READ = re.compile(r'(?:\benv(?:\.\w+)?|environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"')


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans: links there are examples."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(path: Path) -> list[tuple[bool, str, str]]:
    """(is an image, text or alt, target) for every inline link of a Markdown file."""
    text = prose(path.read_text(encoding="utf-8"))
    return [(bang == "!", label, target) for bang, label, target in LINK.findall(text)]


def anchor_of(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces become hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {anchor_of(heading) for heading in HEADING.findall(prose_keep_headings(path))}


def prose_keep_headings(path: Path) -> str:
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def relative_name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def broken_links(path: Path) -> list[str]:
    problems = []
    for is_image, label, target in links(path):
        if EXTERNAL.match(target):
            continue
        location, _, fragment = target.partition("#")
        location = location.split("?", 1)[0]
        resolved = (path.parent / location).resolve() if location else path
        if not resolved.exists():
            problems.append(f"{target} (no such file)")
            continue
        if is_image and (not resolved.is_file() or not label.strip()):
            problems.append(f"{target} (an image needs a file and an alt text)")
        if fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            problems.append(f"{target} (no heading #{fragment} in {resolved.name})")
    for mentioned in BACKTICKED_DOC.findall(path.read_text(encoding="utf-8")):
        base = ROOT if mentioned.startswith("docs/") else path.parent
        if not (base / mentioned).resolve().exists():
            problems.append(f"`{mentioned}` (no such document)")
    return problems


@pytest.mark.parametrize("path", markdown_files(), ids=relative_name)
def test_every_relative_link_and_image_exists(path: Path) -> None:
    assert broken_links(path) == []


def test_the_link_checker_sees_a_broken_link_an_image_and_an_anchor(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("# Là-bas · Over there\n", encoding="utf-8")
    (tmp_path / "shot.png").write_bytes(b"\x89PNG")
    page.write_text(
        "[ok](there.md) [ok](there.md#là-bas--over-there) ![Capture](shot.png)\n"
        "[missing](nowhere.md) ![](shot.png) ![Gone](gone.png) [bad anchor](there.md#nope)\n"
        "[web](https://example.org/x.md) `[in code](nowhere-either.md)`\n"
        "```\n[in a block](nowhere-at-all.md)\n```\n",
        encoding="utf-8",
    )

    assert broken_links(page) == [
        "nowhere.md (no such file)",
        "shot.png (an image needs a file and an alt text)",
        "gone.png (no such file)",
        "there.md#nope (no heading #nope in there.md)",
    ]


@pytest.mark.parametrize("name", ROLE_GUIDES)
def test_every_role_guide_is_in_french_and_english(name: str) -> None:
    french, english = GUIDES / f"{name}.md", GUIDES / f"{name}.en.md"

    assert french.is_file(), f"{french.name} is missing"
    assert english.is_file(), f"{english.name} is missing"
    french_links = {target for _, _, target in links(french)}
    english_links = {target for _, _, target in links(english)}
    assert english.name in french_links, f"{french.name} links to its English version"
    assert french.name in english_links, f"{english.name} links to its French version"
    # Same structure and same screenshots in both languages.
    assert len(HEADING.findall(prose_keep_headings(french))) == len(
        HEADING.findall(prose_keep_headings(english))
    )
    french_images = [target for is_image, _, target in links(french) if is_image]
    english_images = [target for is_image, _, target in links(english) if is_image]
    assert french_images == english_images


def page_exists(path: str) -> bool:
    """Whether a path the guides name is a page of the national site or of a CAE's site."""
    concrete = PLACEHOLDER.sub("1", path.split("?", 1)[0])
    if concrete.endswith("…"):  # `/activation/…`: whatever the link carries
        concrete = concrete.removesuffix("…") + "MQ/token/"
    candidates = [concrete]
    if concrete.startswith("…/"):  # below the site, or below a cooperative's page
        candidates = [concrete[1:], "/cooperatives/1" + concrete[1:]]
    for candidate in candidates:
        for urlconf in SITES:
            try:
                resolve(candidate, urlconf=urlconf)
            except Resolver404:
                continue
            return True
    return False


def test_the_page_checker_tells_a_page_from_a_typo() -> None:
    assert page_exists("/factures/<numéro>/")
    assert page_exists("…/decisions/")
    assert not page_exists("/facture/<numéro>/")
    assert not page_exists("…/decision/")


@pytest.mark.parametrize("path", sorted(GUIDES.glob("*.md")), ids=relative_name)
def test_every_page_a_guide_names_exists(path: Path) -> None:
    named = PAGE_PATH.findall(FENCE.sub("", path.read_text(encoding="utf-8")))

    assert [page for page in named if not page_exists(page)] == []


def test_every_guide_file_has_its_other_language() -> None:
    names = {path.name for path in GUIDES.glob("*.md")}
    french = {name for name in names if not name.endswith(".en.md")}
    english = {name.removesuffix(".en.md") + ".md" for name in names if name.endswith(".en.md")}

    assert french == english


def test_the_docs_index_lists_every_document() -> None:
    index = DOCS / "README.md"
    listed = {(index.parent / target.partition("#")[0]).resolve() for _, _, target in links(index)}
    documents = {path.resolve() for path in DOCS.rglob("*.md") if path != index}

    assert sorted(relative_name(path) for path in documents - listed) == []


def test_the_readme_links_to_the_docs_index() -> None:
    assert "docs/README.md" in {target for _, _, target in links(ROOT / "README.md")}


def test_the_operator_guide_lists_every_environment_variable() -> None:
    sources = [path for path in SETTINGS.glob("*.py") if path.name != "test.py"]
    sources.append(ROOT / "infra" / "gunicorn.conf.py")
    variables = {
        name for path in sources for name in ENVIRONMENT_READ.findall(path.read_text("utf-8"))
    }
    guide = (DOCS / "operator-guide.md").read_text(encoding="utf-8")

    assert "DJANGO_CSRF_TRUSTED_ORIGINS" in variables  # read over two lines: the pattern sees it
    assert sorted(name for name in variables if f"`{name}`" not in guide) == []
