#!/usr/bin/env python3
"""Interop checks run by Tests/NNTests/SafetensorsTests.swift and ConfigTests.swift.

  read PATH     load PATH with the reference `safetensors` package (numpy backend) and print
                JSON: {"metadata": {...}, "tensors": {name: {"dtype", "shape", "values"}}}
  write PATH    write a fixture with F32, F16, F64, I64 and I32 tensors (values below) and
                metadata {"origin": "python"}
  canon         read JSON from stdin and print it as json.dumps(sort_keys, compact)

Needs numpy and safetensors (pip install numpy safetensors); the tests skip otherwise."""
import json
import sys


def main():
    mode = sys.argv[1]
    if mode == "canon":
        print(json.dumps(json.load(sys.stdin), sort_keys=True, separators=(",", ":")), end="")
        return
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import save_file
    if mode == "read":
        out = {"tensors": {}}
        with safe_open(sys.argv[2], framework="np") as f:
            out["metadata"] = f.metadata() or {}
            for name in f.keys():
                t = f.get_tensor(name)
                out["tensors"][name] = {"dtype": str(t.dtype), "shape": list(t.shape),
                                        "values": [float(x) for x in t.reshape(-1)]}
        print(json.dumps(out))
    elif mode == "write":
        tensors = {
            "a.f32": np.array([[1.5, -2.25], [3.0, 1e-3]], dtype=np.float32),
            "b.f16": np.array([0.5, -1.0, 65504.0, 6.1035156e-05, 5.9604645e-08], dtype=np.float16),
            "c.f64": np.array([1.0 / 3.0, -7.25], dtype=np.float64),
            "d.i64": np.array([[0, -3, 751]], dtype=np.int64),
            "e.i32": np.array(42, dtype=np.int32),
        }
        save_file(tensors, sys.argv[2], metadata={"origin": "python"})
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
