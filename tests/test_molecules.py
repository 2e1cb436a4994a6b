"""Molecules end to end: the CLI's output contract, the shipped pipeline's quality, guidance and scaffolds, and bad input."""
import json
import numpy as np
import pytest
from rdkit import Chem
from multidiff.cli import main
from multidiff.molecules.model import read_molecules, sample_data_path
from multidiff.molecules.pipeline import MoleculePipeline, keeps_scaffold
from multidiff.molecules.metrics import molecule_metrics


@pytest.fixture(scope='module')
def pipe():
    p = MoleculePipeline.from_pretrained('molecules_qm9'); p.set_progress_bar_config(disable=True)
    return p


def _lines(path): return path.read_text().split('\n')[:-1]  # the file ends with a newline


def test_sample_cli_writes_exactly_n_lines_and_is_reproducible(tmp_path):
    args = ['sample', 'molecules', '--n', '13', '--steps', '20', '--batch-size', '5', '--no-progress']
    assert main(args + ['--seed', '0', '--out', str(tmp_path / 'a.smi')]) == 0
    assert main(args + ['--seed', '0', '--out', str(tmp_path / 'b.smi'), '--batch-size', '13']) == 0
    assert main(args + ['--seed', '1', '--out', str(tmp_path / 'c.smi')]) == 0
    a, b, c = (_lines(tmp_path / f) for f in ('a.smi', 'b.smi', 'c.smi'))
    assert len(a) == 13 and a == b and a != c  # same seed, same molecules whatever the batch; another seed, others
    assert all(s == 'INVALID' or Chem.MolFromSmiles(s) is not None for s in a)
    assert all(s == 'INVALID' or Chem.MolToSmiles(Chem.MolFromSmiles(s)) == s for s in a)  # canonical SMILES


def test_shipped_checkpoint_quality(pipe):
    guarded = pipe(200, num_inference_steps=45, seed=0).smiles
    free = pipe(200, num_inference_steps=45, seed=0, valence_mask=False).smiles
    mg, mf = molecule_metrics(guarded), molecule_metrics(free)
    assert mg['validity'] >= 0.99 and mg['uniqueness'] >= 0.95, mg
    assert mf['validity'] >= 0.85, mf  # the network alone, no constraint
    atoms = [Chem.MolFromSmiles(s).GetNumAtoms() for s in guarded if s != 'INVALID' and '.' not in s]
    assert 8.0 < np.mean(atoms) <= 9.0  # QM9's atom-count distribution (mean 8.8)


def test_property_guidance_moves_the_property(pipe):
    from multidiff.molecules.properties import PropertyPredictor
    data = read_molecules(sample_data_path())
    pred = PropertyPredictor(max_iter=100).fit(data.smiles, data.properties['mu'])
    low = pred.predict(pipe(80, num_inference_steps=25, seed=0, properties={'mu': 1.0}, guidance_scale=2.0).smiles)
    high = pred.predict(pipe(80, num_inference_steps=25, seed=0, properties={'mu': 5.0}, guidance_scale=2.0).smiles)
    assert np.nanmean(high) - np.nanmean(low) > 1.0, (np.nanmean(low), np.nanmean(high))


def test_scaffold_is_kept(tmp_path):
    out = tmp_path / 's.smi'
    assert main(['sample', 'molecules', '--n', '24', '--steps', '30', '--scaffold', 'C1=CC=CC=C1', '--out', str(out), '--no-progress']) == 0
    valid = [s for s in _lines(out) if s != 'INVALID']
    assert len(valid) >= 20 and all(keeps_scaffold(s, 'C1=CC=CC=C1') for s in valid)


@pytest.mark.parametrize('content,message', [
    ('', 'data.csv is empty'),                                        # empty file, refused before any work
    ('smiles\n', 'holds no molecules'),                               # a header and nothing else
    ('smiles\nC1CC\nnot a molecule\n', 'None of the 2 SMILES could be parsed'),  # every line unparsable
])
def test_train_cli_refuses_bad_files(tmp_path, capsys, content, message):
    f = tmp_path / 'data.csv'; f.write_text(content)
    assert main(['train', 'molecules', '--data', str(f), '--out', str(tmp_path / 'run'), '--steps', '2', '--no-progress']) == 2
    err = capsys.readouterr().err
    assert message in err and 'Traceback' not in err


def test_train_cli_reports_skipped_lines(tmp_path, capsys):
    f = tmp_path / 'data.smi'; f.write_text('CCO\nC1CC\nCCN\nOCC=O\nCC(C)(C)(C)C\n')
    with pytest.warns(UserWarning, match=r'skipped 2 of 5 molecules: line 2 .*; line 5'):
        assert main(['train', 'molecules', '--data', str(f), '--out', str(tmp_path / 'run'), '--steps', '2', '--batch-size', '2',
                     '--layers', '1', '--dx', '16', '--de', '8', '--no-progress']) == 0
    assert '2 input lines skipped' in capsys.readouterr().out


@pytest.mark.parametrize('extra,message', [
    (['--scaffold', 'ClC1CC1'], 'not in the vocabulary'),              # atom outside the model's vocabulary
    (['--scaffold', 'C1CCCCCCCCCC1'], 'more than max_atoms'),          # larger than the model's maximum
    (['--property', 'gap=0.3'], 'cannot take'),                        # a property the model was not trained on
    (['--guidance-scale', '3'], 'needs `properties`'),
    (['--restarts', '9'], 'leave no steps'),                           # restarts that eat the whole step budget
])
def test_sample_cli_bad_input(tmp_path, capsys, extra, message):
    assert main(['sample', 'molecules', '--n', '2', '--steps', '2', '--out', str(tmp_path / 'x.smi'), '--no-progress'] + extra) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / 'x.smi').exists()  # nothing half-written


def test_sample_cli_bad_checkpoint_and_values(tmp_path, capsys):
    assert main(['sample', 'molecules', '--n', '2', '--out', str(tmp_path / 'x.smi'), '--checkpoint', str(tmp_path)]) == 2
    assert 'has no model_index.json' in capsys.readouterr().err
    assert main(['sample', 'molecules', '--n', '2', '--out', str(tmp_path / 'x.smi'), '--property', 'mu=high']) == 2
    assert 'NAME=VALUE' in capsys.readouterr().err
    assert main(['sample', 'molecules', '--n', '0', '--out', str(tmp_path / 'x.smi')]) == 2
    assert "--n: got '0' (give a whole number >= 1)" in capsys.readouterr().err


def test_load_qm9pack_reads_smiles_and_properties():
    pytest.importorskip('qm9pack', reason='qm9pack is a dev extra (pip install qm9pack)')
    from multidiff.molecules.model import load_qm9pack, encode_data
    from multidiff.molecules.graphs import MolVocab
    d = load_qm9pack(n=300, seed=1)
    assert len(d) == 300 and sorted(d.properties) == ['alpha', 'cv', 'gap', 'homo', 'lumo', 'mu']
    assert np.isfinite(d.properties['gap']).all() and 0.0 < np.median(d.properties['gap']) < 1.0  # Hartree
    state, kept, skipped = encode_data(d, MolVocab(('C', 'C-', 'N', 'N+', 'N-', 'O', 'O-', 'F'), 9))
    assert len(kept) + len(skipped) == 300 and len(kept) >= 295


def test_cli_trains_and_samples_a_marginal_model(tmp_path):
    # DiGress's marginal transitions: no mask token, so the CLI's default sampler must not ask for the valence mask
    f = tmp_path / 'data.smi'; f.write_text('CCO\nCCN\nOCC=O\nC1CC1\nCC#N\nCOC\n')
    assert main(['train', 'molecules', '--data', str(f), '--out', str(tmp_path / 'run'), '--steps', '2', '--batch-size', '2',
                 '--transition', 'marginal', '--layers', '1', '--dx', '16', '--de', '8', '--no-progress']) == 0
    out = tmp_path / 'm.smi'
    assert main(['sample', 'molecules', '--checkpoint', str(tmp_path / 'run' / 'final'), '--n', '3', '--steps', '4', '--out', str(out), '--no-progress']) == 0
    assert len(_lines(out)) == 3


def test_cli_trains_on_any_numeric_column_with_filters(tmp_path, capsys):
    # a drug-discovery style file: an ID first, a non-QM9 property (TPSA), a salt and a large molecule to filter out
    from rdkit.Chem import Descriptors
    rows = ['CCO', 'CCN', 'OCC=O', 'C1CC1', 'CC#N', 'COC', 'CC(=O)O', 'NCC(=O)O', '[Na+].[Cl-]', 'CCCCCCCCCCCCCCCCCCCC']
    f = tmp_path / 'mine.csv'
    f.write_text('id,smiles,TPSA\n' + ''.join(f'm{i},{s},{Descriptors.TPSA(Chem.MolFromSmiles(s)):.2f}\n'
                                               for i, s in enumerate(rows)))
    assert main(['train', 'molecules', '--data', str(f), '--property', 'tpsa', '--max-atoms', '9', '--elements', 'C,N,O',
                 '--out', str(tmp_path / 'run'), '--steps', '2', '--batch-size', '4', '--layers', '1', '--dx', '16',
                 '--de', '8', '--no-progress']) == 0
    assert '2 input lines skipped or left out by the filters' in capsys.readouterr().out  # the salt and the C20 chain
    report = json.loads((tmp_path / 'run' / 'data_report.json').read_text())
    assert (report['molecules'], report['kept'], report['heavy_atoms']['max']) == (10, 8, 5)  # sizes of what is kept
    pipe = MoleculePipeline.from_pretrained(tmp_path / 'run' / 'final')
    assert pipe.vocab['max_atoms'] == 5 and set(pipe.vocab['atoms']) <= {'C', 'N', 'O'}  # sized to what was kept
    out = tmp_path / 'polar.smi'
    assert main(['sample', 'molecules', '--checkpoint', str(tmp_path / 'run' / 'final'), '--property', 'TPSA=40', '--n', '3',
                 '--steps', '4', '--out', str(out), '--no-progress']) == 0
    assert len(_lines(out)) == 3
    assert main(['sample', 'molecules', '--checkpoint', str(tmp_path / 'run' / 'final'), '--property', 'mu=1', '--n', '3',
                 '--out', str(tmp_path / 'x.smi')]) == 2
    assert "conditioned on ['tpsa']" in capsys.readouterr().err.lower()
