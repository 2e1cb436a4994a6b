"""Users' own molecule files beyond QM9 (issue 22): the common SMILES-file layouts, RDKit's drug-like NCI sample with its
size/vocabulary report and filters, and conditioning on a non-QM9 numeric column through training, saving and sampling.

Uses the NCI files that ship inside RDKit's wheel (rdkit/Data/NCI); skipped with the reason when they are absent."""
import json
from pathlib import Path
import numpy as np
import pytest
from rdkit import RDConfig

from multidiff.molecules.graphs import ORGANIC_ELEMENTS, dataset_report, parse_atom_label, report_summary
from multidiff.molecules.model import read_molecules, train_molecules
from multidiff.molecules.metrics import molecule_metrics
from multidiff.molecules.pipeline import MoleculePipeline
from multidiff.molecules.properties import RDKitDescriptor

NCI = Path(RDConfig.RDDataDir) / 'NCI'
SMI, TPSA_CSV = NCI / 'first_5K.smi', NCI / 'first_5k.tpsa.csv'
needs_nci = pytest.mark.skipif(not SMI.exists() or not TPSA_CSV.exists(), reason=f"RDKit's NCI sample not found in {NCI}")
TINY = dict(num_layers=1, dx=16, de=8, dy=8, heads=2)


@pytest.fixture(scope='module')
def nci():
    return read_molecules(SMI)


@needs_nci
def test_nci_layouts_read_the_same_smiles(nci, tmp_path):
    "RDKit's own files: a tab-separated 'SMILES ID' file and a headerless CSV with a comment line; then ID-first variants."
    assert len(nci) == sum(1 for l in SMI.read_text().splitlines() if l.strip()) and nci.lines[:2] == [1, 2]
    assert nci.smiles[:2] == [l.split('\t')[0] for l in SMI.read_text().splitlines()[:2]]
    tpsa = read_molecules(TPSA_CSV)  # '# TPSA data ...' then SMILES,value rows: no header, so no property names
    assert tpsa.smiles[:100] == nci.smiles[:100] and tpsa.lines[0] == 2 and tpsa.properties == {}
    ids = [l.split('\t')[1] for l in SMI.read_text().splitlines()[:60]]
    for name, text in [('id_first.smi', 'ID SMILES\n' + ''.join(f"{i} {s}\n" for i, s in zip(ids, nci.smiles))),
                       ('id_first_tab.txt', ''.join(f"NSC {i}\t{s}\n" for i, s in zip(ids, nci.smiles))),
                       ('id_first.csv', 'id,structure,tpsa\n' + ''.join(f"{i},{s},1.5\n" for i, s in zip(ids, nci.smiles)))]:
        (tmp_path / name).write_text(text)
        got = read_molecules(tmp_path / name)
        assert got.smiles == nci.smiles[:60], name
    assert read_molecules(tmp_path / 'id_first.csv').properties['tpsa'].tolist() == [1.5] * 60


def test_unreadable_layout_names_the_accepted_ones(tmp_path):
    f = tmp_path / 'junk.smi'; f.write_text(''.join(f"mol{i} not-a-molecule-{i}\n" for i in range(70)))
    with pytest.raises(ValueError, match=r"junk.smi: no column parses as SMILES in its first 50 rows; accepted layouts: .*'ID SMILES'"):
        read_molecules(f)


@needs_nci
def test_nci_report_warns_and_filters_fix_it(nci):
    rep = dataset_report(nci.smiles)
    assert rep['heavy_atoms']['max'] > 40 and len(rep['atom_types']) > 20 and rep['other_elements']
    assert len(rep['warnings']) == 3 and all('CLI --' in w for w in rep['warnings'])
    assert rep['heavy_atoms']['median'] <= rep['heavy_atoms']['p95'] <= rep['heavy_atoms']['max']
    assert sum(k for a, k in rep['atom_types'].items() if parse_atom_label(a)[0] == 'C') > 10 * len(nci) // 2
    kept = dataset_report(nci.smiles, max_atoms=30, elements=ORGANIC_ELEMENTS)
    assert kept['warnings'] == [] and kept['heavy_atoms']['max'] <= 30 and not kept['other_elements']
    assert kept['kept'] + len(kept['left_out']) + kept['unparsable'] == len(nci) and kept['kept'] > 0.8 * len(nci)
    assert report_summary(kept).splitlines()[0].endswith(f"; {kept['kept']} kept")


@needs_nci
def test_training_on_nci_with_filters(nci, tmp_path, capsys):
    "The filters shape the model: no metal types, at most max_atoms slots; left-out rows come back with the skipped ones."
    data = nci.subset(range(400))
    with pytest.warns(UserWarning, match=r'left out \d+ of 400 molecules'):
        model, _, skipped = train_molecules(data, tmp_path / 'run', steps=2, batch_size=4, max_atoms=25,
                                            elements='C,N,O,F,P,S,Cl,Br,I', seed=0, **TINY)
    assert model.vocab.max_atoms <= 25 and {parse_atom_label(a)[0] for a in model.vocab.atoms} <= set(ORGANIC_ELEMENTS)
    rep = json.loads((tmp_path / 'run' / 'data_report.json').read_text())
    assert len(skipped) == len(rep['left_out']) + len(rep['not_encoded']) and rep['kept'] < 400
    assert capsys.readouterr().out.startswith(f"{NCI / 'first_5K.smi'}: 400 molecules (")  # printed before training


def test_own_property_trains_saves_and_samples(tmp_path):
    "A non-QM9 column (RDKit's TPSA) with a missing value: that row is left out and counted; the model samples by its name."
    rows = ['CCO', 'CCN', 'OCC=O', 'CC(N)=O', 'C1CC1', 'CC#N', 'COC', 'OCCO', 'NCCN', 'CC(C)O', 'C1CO1', 'CN(C)C']
    tp = RDKitDescriptor('tpsa').predict(rows)
    f = tmp_path / 'own.csv'
    f.write_text('smiles,TPSA\n' + ''.join(f"{s},{'' if i == 3 else v}\n" for i, (s, v) in enumerate(zip(rows, tp))))
    with pytest.warns(UserWarning, match=r"left out 1 of 12 molecules: line 5 \(no numeric TPSA value\)"):
        model, _, skipped = train_molecules(f, tmp_path / 'run', steps=3, batch_size=4, properties=('tpsa',),
                                            progress=False, **TINY)
    assert model.properties == ('TPSA',) and [s[0] for s in skipped] == [5]
    assert abs(model.prop_mean[0] - np.delete(tp, 3).mean()) < 1e-6
    pipe = MoleculePipeline.from_pretrained(tmp_path / 'run' / 'final'); pipe.set_progress_bar_config(disable=True)
    a = pipe(6, num_inference_steps=8, seed=1, properties={'tpsa': 40.0}, guidance_scale=2.0).smiles
    assert pipe(6, num_inference_steps=8, seed=1, properties={'Tpsa': 40.0}, guidance_scale=2.0).smiles == a
    assert set(molecule_metrics(a)) >= {'validity', 'connectivity', 'uniqueness'}
    with pytest.raises(ValueError, match=r"This model is conditioned on \['TPSA'\]; it cannot take \['logp'\]"):
        pipe(2, num_inference_steps=4, properties={'logp': 1.0})
