"""The molecule metrics reproduce the re-scored reference rows in ../shared/README.md (protocol check).

Needs ../shared (or $MULTIDIFF_SHARED); skipped with its reason when absent, as end users never have it."""
import os
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MULTIDIFF_SHARED", ROOT.parent / "shared"))
SPLIT = SHARED / "data" / "molecules" / "qm9_gdss_split.csv.gz"
ANCHORS = SHARED / "data" / "molecules" / "anchor_samples"
pytestmark = pytest.mark.skipif(not SPLIT.exists(), reason=f"shared data not found at {SHARED} (set MULTIDIFF_SHARED)")


@pytest.fixture(scope="module")
def reference():
    from multidiff.molecules.metrics import qm9_split, FCDReference
    split = qm9_split(SPLIT)
    return split["train"], FCDReference(split["test"])


@pytest.mark.parametrize("name,expected", [
    # validity, uniqueness, novelty, FCD: the table in ../shared/README.md
    ("digress_qm9_noH_smiles.txt", (0.9921, 0.96875, 0.3345, 0.2596)),
    ("grum_qm9_smiles.txt", (1.0, 0.9688, 0.2436, 0.1059)),
])
def test_reference_rows_reproduce(reference, name, expected):
    from multidiff.molecules.metrics import molecule_metrics
    train, fcd_ref = reference
    lines = (ANCHORS / name).read_text().splitlines()
    assert len(lines) == 10_000
    m = molecule_metrics(lines, train=train, fcd_reference=fcd_ref)
    got = (m["validity"], m["uniqueness"], m["novelty"], m["fcd"])
    for g, e, tol in zip(got, expected, (1e-4, 1e-4, 1e-4, 1e-3)):
        assert abs(g - e) <= tol, (name, got, expected)
    assert m["relaxed_validity"] >= m["validity"]
