"""The package as users install it: every subpackage listed, and a built wheel that scores the seeds."""
from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "moderation").rglob("__init__.py")}
    assert found | {"moderation.models"} == listed


@pytest.mark.slow
def test_a_wheel_installed_without_the_checkout_scores_the_seeds(tmp_path: Path):
    """`pip wheel .`, then the wheel (not the checkout) in a fresh venv audits the seed pages.

    The venv borrows the test environment's dependencies through a path file (no download), but
    not its editable install of moderation: only the wheel's copy can be imported.
    """
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w",
                            str(tmp_path / "dist")], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("moderation-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    target = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip())
    deps = [p for p in [*site.getsitepackages(), site.getusersitepackages()] if Path(p).is_dir()]
    (target / "test-deps.pth").write_text("\n".join(deps) + "\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                                str(wheel)], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr[-2000:]
    pages = tmp_path / "pages"
    shutil.copytree(ROOT / "seeds", pages)
    run = subprocess.run([str(python), "-c",
                          "import moderation, sys; print(moderation.__file__); "
                          "from moderation.cli import main; sys.exit(main(sys.argv[1:]))",
                          "audit", str(pages), "--out", str(tmp_path / "report")],
                         capture_output=True, text=True, cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.splitlines()[0].startswith(str(target))          # the wheel's copy, not the checkout
    rows = [json.loads(line) for line in (tmp_path / "report" / "results.jsonl").read_text().splitlines()]
    assert {r["source"] for r in rows} == {"pages/002_2ede61ddf366503b.txt"} and len(rows) >= 20
    assert (tmp_path / "report" / "report.html").stat().st_size > 1000


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    assert ci in first_block.splitlines()
    assert len(readme) < 15_000
