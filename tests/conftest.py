"""Shared fixtures: the models load once per test session, and each corpus is built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.pipeline import Context, build, load_context

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "samples" / "seed-kz-cn-cooperation.ru.txt"
EXAMPLES = ROOT / "examples" / "news"


@pytest.fixture(scope="session")
def ctx() -> Context:
    """natasha models, gazetteer and sector scheme, loaded once."""
    return load_context()


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent: the reference article lives outside the repository")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_build(ctx: Context, seed_text: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference article built on its own."""
    out = tmp_path_factory.mktemp("seed")
    build([SEED], out, ctx=ctx, progress=False)
    return out


@pytest.fixture(scope="session")
def examples_build(ctx: Context, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example articles, built as `make demo` builds them."""
    out = tmp_path_factory.mktemp("examples")
    build([EXAMPLES], out, ctx=ctx, progress=False)
    return out
