"""The suite's own switches: `-m browser` selects the browser tests, and only a missing Chromium skips them.

Each case runs pytest in a child process (collection, or one quick module), as a developer would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BROWSER_MODULES = sorted(p.name for p in (REPO / "tests" / "browser").glob("test_*.py"))


def pytest_in_child(*args: str, cwd: Path = REPO, chromium: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if chromium is not None:
        env["QMSDOCS_CHROMIUM"] = chromium
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def collected(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_browser_marker_selects_exactly_the_browser_tests():
    chosen = pytest_in_child("--collect-only", "-q", "-m", "browser", "tests/browser", "tests/test_search_analysis.py")
    assert chosen.returncode == 0, chosen.stdout + chosen.stderr
    assert collected(chosen) and all(line.startswith("tests/browser/") for line in collected(chosen))
    assert sorted({line.split("::")[0].split("/")[-1] for line in collected(chosen)}) == BROWSER_MODULES

    others = pytest_in_child("--collect-only", "-q", "-m", "not browser", "tests/browser",
                             "tests/test_search_analysis.py")
    assert others.returncode == 0, others.stdout + others.stderr
    assert collected(others) and all(line.startswith("tests/test_search_analysis.py") for line in collected(others))


def test_a_missing_chromium_skips_browser_tests_with_the_reason():
    result = pytest_in_child("-q", "-rs", "tests/browser/test_smoke.py", chromium="/nonexistent/chromium")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "Chromium not found at /nonexistent/chromium" in result.stdout


def test_a_checkout_under_a_folder_named_browser_still_runs_ordinary_tests(tmp_path):
    """Only tests/browser/ counts: a path like /home/browser/qmsdocs must not skip the rest of the suite."""
    checkout = tmp_path / "browser" / "qmsdocs"
    checkout.parent.mkdir()
    checkout.symlink_to(REPO, target_is_directory=True)
    result = pytest_in_child("-q", "-rs", str(checkout / "tests" / "test_search_analysis.py"),
                             str(checkout / "tests" / "browser" / "test_smoke.py"), cwd=checkout,
                             chromium="/nonexistent/chromium")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith(f"{count_tests(REPO / 'tests' / 'test_search_analysis.py')} passed, 1 skipped"), summary


def count_tests(module: Path) -> int:
    listing = pytest_in_child("--collect-only", "-q", str(module.relative_to(REPO)))
    return len(collected(listing))
