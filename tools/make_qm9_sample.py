"""Write data/qm9_sample.csv: 4,000 random QM9 molecules (seed 0) from the qm9pack package (MIT), with the six properties.

Run: .venv/bin/python tools/make_qm9_sample.py   (needs `pip install qm9pack`; the output is committed)
"""
import csv, sys
from pathlib import Path
from rdkit import Chem
from multidiff.molecules.model import load_qm9pack, PROPERTIES

def main(n=4000, seed=0, out=Path(__file__).resolve().parents[1] / 'data' / 'qm9_sample.csv'):
    data = load_qm9pack(n, seed)
    cols = [aliases[0] for aliases in PROPERTIES.values()]  # the shared split file's column names
    with open(out, 'w', newline='') as f:
        w = csv.writer(f); w.writerow(['smiles'] + cols)
        for i in range(len(data)):
            mol = Chem.MolFromSmiles(data.smiles[i])  # GDB SMILES carry stereo; canonical, no stereo, like the shared file
            smi = Chem.MolToSmiles(mol, isomericSmiles=False) if mol is not None else data.smiles[i]
            w.writerow([smi] + [f"{data.properties[p][i]:.6g}" for p in PROPERTIES])
    print(f"wrote {out}: {len(data)} molecules")

if __name__ == '__main__': main()
