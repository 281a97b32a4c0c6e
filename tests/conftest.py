import importlib.util
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
REFERENCE = PROJECT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference() -> Path:
    # never a silent skip: a reference test that cannot read its data fails, here and in CI
    if not REFERENCE.is_dir():
        pytest.fail(f"reference data missing at {REFERENCE} (the checkout needs ../shared beside it)")
    return REFERENCE


def load_script(relative_path: str, module_name: str):
    """A study or benchmark script (not a package module) imported from the checkout."""
    spec = importlib.util.spec_from_file_location(module_name, PROJECT / relative_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
