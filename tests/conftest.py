"""Fixtures the pipeline tests share: the legacy references (outputs of the pre-pipeline sampling functions, made by
tools/make_legacy_references.py at 7aab36a with one torch thread) and a one-thread context to compare them under."""
import json
from pathlib import Path
import pytest
import torch
from safetensors.torch import load_file

DATA = Path(__file__).parent / 'data'


@pytest.fixture(scope='session')
def legacy_tensors() -> dict:
    return load_file(str(DATA / 'legacy_references.safetensors'))


@pytest.fixture(scope='session')
def legacy_meta() -> dict:
    return json.loads((DATA / 'legacy_references.json').read_text())


@pytest.fixture
def one_thread():
    "The references were made with one thread: float sums must run in the same order."
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope='session')
def legacy(legacy_tensors, legacy_meta):
    "legacy(modality) -> (all reference tensors, that modality's recorded calls)."
    return lambda modality: (legacy_tensors, legacy_meta[modality])


@pytest.fixture(scope='session')
def load_shipped():
    "load_shipped(PipelineClass, name) -> the shipped pipeline, progress bar off."
    def load(cls, name):
        pipe = cls.from_pretrained(name)
        pipe.set_progress_bar_config(disable=True)
        return pipe
    return load
