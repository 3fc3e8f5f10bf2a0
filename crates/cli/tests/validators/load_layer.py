"""Loads ATT&CK Navigator layers with MITRE's mitreattack-python, strictly; exits 1 on any refusal.

Usage: python load_layer.py LAYER.json...  (mitreattack-python must be importable)
"""
import sys

from mitreattack.navlayers import Layer


def main(paths):
    failed = 0
    for path in paths:
        layer = Layer(strict=True)
        layer.from_file(path)
        if layer.layer is None:
            print(f"{path}: mitreattack-python refused the layer", file=sys.stderr)
            failed += 1
            continue
        loaded = layer.to_dict()
        print(f"{path}: loaded '{loaded['name']}', {len(loaded.get('techniques', []))} techniques")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
