#!/usr/bin/env python3
"""Golden values for Tests/NNTests/OptimizerTests.swift: three steps of Adam and AdamW
(torch.optim formulas, float64, pure Python) on one scalar parameter θ0 = 1.0 with raw
gradients 0.5, -0.3, 0.2, lr 0.1, betas (0.9, 0.999), eps 1e-8, weight decay 0.1."""
import math

def run(decoupled):
    theta, m, v = 1.0, 0.0, 0.0
    lr, b1, b2, eps, wd = 0.1, 0.9, 0.999, 1e-8, 0.1
    out = []
    for t, g in enumerate([0.5, -0.3, 0.2], start=1):
        if decoupled:
            theta *= 1 - lr * wd
        else:
            g = g + wd * theta
        m = m + (1 - b1) * (g - m)
        v = b2 * v + (1 - b2) * g * g
        step = lr / (1 - b1 ** t)
        denom = math.sqrt(v) / math.sqrt(1 - b2 ** t) + eps
        theta -= step * m / denom
        out.append(theta)
    return out

print("Adam ", ", ".join(f"{x:.9f}" for x in run(False)))
print("AdamW", ", ".join(f"{x:.9f}" for x in run(True)))
