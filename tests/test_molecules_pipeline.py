"""MoleculePipeline: the shipped checkpoint reproduces the pre-pipeline sampling functions bit for bit, and a pipeline
survives save_pretrained / from_pretrained and from_run unchanged."""
import pytest
import torch
from multidiff.core.pipeline import MultidiffPipeline, StatePipeline
from multidiff.molecules.graphs import MolVocab
from multidiff.molecules.model import molecule_model, train_molecules
from multidiff.molecules.pipeline import MoleculePipeline



def _quiet(pipe):
    pipe.set_progress_bar_config(disable=True); return pipe


@pytest.mark.parametrize('name', ['plain', 'guided', 'scaffold', 'grid'])
def test_shipped_pipeline_reproduces_the_legacy_references(one_thread, legacy_meta, name):
    "The calls of tools/make_legacy_references.py (sample_molecules at 7aab36a), through the pipeline: identical SMILES."
    ref = legacy_meta['molecules'][name]
    call = dict(ref['call']); n, steps = call.pop('n'), call.pop('num_steps')
    pipe = _quiet(MoleculePipeline.from_pretrained('molecules_qm9'))
    assert pipe(num_molecules=n, num_inference_steps=steps, **call).smiles == ref['smiles']


def test_shipped_name_loads_through_the_base_class():
    pipe = MultidiffPipeline.from_pretrained('molecules_qm9')
    assert type(pipe) is MoleculePipeline and pipe.config.properties == ['mu']
    assert list(pipe.scheduler.schedulers) == ['X', 'E']  # the state's order, whatever order the saved config lists


@pytest.fixture(scope='module')
def tiny():
    "A freshly built, untrained tiny model conditioned on mu."
    vocab = MolVocab(('C', 'N', 'O'), 7)
    return molecule_model(vocab, torch.tensor([0, 0, .2, .3, .2, .2, .05, .05]), ('mu',), [2.0], [1.5], seed=1,
                          num_layers=1, dx=16, de=8, dy=8, heads=2).eval()


@pytest.mark.parametrize('kw', [dict(), dict(sampler='grid'), dict(properties={'mu': 3.0}, guidance_scale=2.0, restarts=1),
                                dict(scaffold='CO', atom_counts=5, batch_size=2)])
def test_round_trip_samples_the_same(tiny, tmp_path, kw):
    pipe = _quiet(tiny.to_pipeline())
    pipe.save_pretrained(tmp_path / 'p')
    back = _quiet(MoleculePipeline.from_pretrained(tmp_path / 'p'))
    steps = 12 if kw.get('restarts') else 8
    a = pipe(5, num_inference_steps=steps, seed=4, output_type='graph', **kw).graphs
    b = back(5, num_inference_steps=steps, seed=4, output_type='graph', **kw).graphs
    assert all(torch.equal(a[k], b[k]) for k in ('X', 'E', 'node_mask'))
    assert pipe(5, num_inference_steps=steps, seed=4, **kw).smiles == back(5, num_inference_steps=steps, seed=4, **kw).smiles
    other = pipe(5, num_inference_steps=steps, seed=5, output_type='graph', **kw).graphs
    assert not all(torch.equal(a[k], other[k]) for k in ('X', 'E'))  # the comparison can fail: another seed differs


def test_round_trip_keeps_weights_and_settings(tiny, tmp_path):
    pipe = tiny.to_pipeline(); pipe.save_pretrained(tmp_path / 'p')
    back = MoleculePipeline.from_pretrained(tmp_path / 'p')
    assert sorted(p.name for p in (tmp_path / 'p').iterdir()) == ['denoiser', 'model_index.json', 'scheduler']
    assert all(torch.equal(v, back.denoiser.state_dict()[k]) for k, v in pipe.denoiser.state_dict().items())
    assert (back.mol_vocab, back.config.prop_mean, back.config.prop_std) == (pipe.mol_vocab, [2.0], [1.5])
    assert back.scheduler.to_config() == pipe.scheduler.to_config()
    m = back.to_model()
    assert m.denoiser is back.denoiser and m.properties == ('mu',) and torch.equal(m.atom_counts, tiny.atom_counts)


def test_wrong_pipeline_class_fails_clearly(tiny, tmp_path):
    tiny.to_pipeline().save_pretrained(tmp_path / 'mol')
    with pytest.raises(ValueError, match='holds a MoleculePipeline, not a StatePipeline: load it with MoleculePipeline.from_pretrained'):
        StatePipeline.from_pretrained(tmp_path / 'mol')
    StatePipeline(tiny.denoiser, tiny.scheduler).save_pretrained(tmp_path / 'state')
    with pytest.raises(ValueError, match='holds a StatePipeline, not a MoleculePipeline'):
        MoleculePipeline.from_pretrained(tmp_path / 'state')
    (tmp_path / 'old').mkdir(); (tmp_path / 'old' / 'molecules_config.json').write_text('{}')  # the pre-pipeline layout
    with pytest.raises(FileNotFoundError, match='has no model_index.json'):
        MoleculePipeline.from_pretrained(tmp_path / 'old')


def test_from_run_loads_checkpoints(tmp_path):
    f = tmp_path / 'data.smi'; f.write_text('CCO\nCCN\nOCC=O\nC1CC1\nCC#N\nCOC\n')
    model, trainer, _ = train_molecules(f, tmp_path / 'run', steps=3, batch_size=2, progress=False, num_layers=1, dx=16, de=8, dy=8, heads=2)
    final = _quiet(MoleculePipeline.from_pretrained(tmp_path / 'run' / 'final'))
    latest = _quiet(MoleculePipeline.from_run(tmp_path / 'run'))
    assert all(torch.equal(v, latest.denoiser.state_dict()[k]) for k, v in final.denoiser.state_dict().items())  # EMA weights both
    raw = MoleculePipeline.from_run(tmp_path / 'run', ema=False)
    assert not all(torch.equal(v, raw.denoiser.state_dict()[k]) for k, v in final.denoiser.state_dict().items())
    assert final(3, num_inference_steps=5, seed=0).smiles == latest(3, num_inference_steps=5, seed=0).smiles
