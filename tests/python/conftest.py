"""Shared fixtures of the Python tests: the smlm command (SMLM_CLI, set by ctest) to compare
with, and a small simulated movie on disk made by it."""
import os
import subprocess

import pytest


@pytest.fixture(scope="session")
def cli():
    """Runs the smlm command: cli("simulate", "-o", ...) -> its stdout; fails on an error."""
    path = os.environ.get("SMLM_CLI")
    if not path or not os.path.exists(path):
        pytest.skip("SMLM_CLI does not name the built smlm command (ctest sets it)")

    def run(*args):
        done = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run.path = path
    return run


@pytest.fixture(scope="session")
def cli_error():
    """Runs the smlm command expecting it to fail; returns its one-line message without the
    "smlm <command>: error: " prefix."""
    path = os.environ.get("SMLM_CLI")
    if not path or not os.path.exists(path):
        pytest.skip("SMLM_CLI does not name the built smlm command (ctest sets it)")

    def run(command, *args):
        done = subprocess.run([path, command, *map(str, args)], capture_output=True, text=True)
        assert done.returncode != 0
        prefix = f"smlm {command}: error: "
        line = done.stderr.strip().splitlines()[-1]
        assert line.startswith(prefix), line
        return line[len(prefix):]

    return run
