"""The independent question sets under tests/data are well formed: every needle is copied
exactly from its policy (each set's own check.py, standard library only)."""
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["qa", "qa2"])
def test_question_set_checks(name):
    done = subprocess.run([sys.executable, str(DATA / name / "check.py")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 errors" in done.stdout
