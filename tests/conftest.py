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
