#!/usr/bin/env python3
"""Reference values for Tests/DistillTests/DistillTermTests.swift (numpy only): DKD (mdistiller's
dkd_loss), the Jensen-Shannon divergence, Overhaul's margins and partial L2 (FastReID FastDistill),
and CRD's NCE loss (RepDistiller's ContrastLoss) on small fixed inputs."""
import math
import numpy as np

def log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))

s = np.array([[1.0, 2.0, 0.5, -1.0], [0.3, -0.2, 1.5, 0.0]])
t = np.array([[2.0, 1.0, 0.0, -0.5], [0.0, 0.5, 2.5, -1.0]])
y = [1, 2]
T = 2.0
n = len(y)

# DKD: binary [p_gt, p_rest] KL (TCKD) and the non-target KL (NCKD), each x T^2 / batch.
gt = np.zeros_like(s); gt[np.arange(n), y] = 1
ps, pt = np.exp(log_softmax(s / T)), np.exp(log_softmax(t / T))
bs = np.stack([(ps * gt).sum(1), (ps * (1 - gt)).sum(1)], 1)
bt = np.stack([(pt * gt).sum(1), (pt * (1 - gt)).sum(1)], 1)
tckd = (bt * (np.log(bt) - np.log(bs))).sum() * T * T / n
ls2, lt2 = log_softmax(s / T - 1000 * gt), log_softmax(t / T - 1000 * gt)
nckd = (np.exp(lt2) * (lt2 - ls2)).sum() * T * T / n
print("dkd tckd   %.9f" % tckd)
print("dkd nckd   %.9f" % nckd)

# Jensen-Shannon: T^2 * mean_b 1/2 sum [pt log(pt/m) + ps log(ps/m)].
m = (ps + pt) / 2
js = 0.5 * (pt * (np.log(pt) - np.log(m)) + ps * (np.log(ps) - np.log(m))).sum(1).mean() * T * T
print("js         %.9f" % js)

# Overhaul margins from BN (gamma, beta) and the partial L2 on a (1, 2, 1, 3) map.
def margin(g, b):
    s_, m_ = abs(g), b
    cdf = 0.5 * math.erfc((m_ / s_) / math.sqrt(2))
    if cdf > 0.001:
        return -s_ * math.exp(-(m_ / s_) ** 2 / 2) / math.sqrt(2 * math.pi) / cdf + m_
    return -3 * s_
mg = [margin(1.0, 0.5), margin(0.5, 3.0)]
print("margins    %.9f %.9f" % tuple(mg))
stu = np.array([[[[0.2, -1.0, 1.0]], [[-2.0, 0.5, -1.6]]]])
tea = np.array([[[[0.1, -2.0, 0.8]], [[-1.0, -0.2, 1.0]]]])
tt = np.maximum(tea, np.array(mg).reshape(1, 2, 1, 1))
mask = (stu > tt) | (tt > 0)
print("partial l2 %.9f" % (((stu - tt) ** 2) * mask).sum())

# CRD NCE: v (2 x 3, normalised), bank (4 x 3, normalised), contrast rows [[0, 2, 3], [1, 0, 2]],
# tau = 0.5: P = exp(v.m/tau) / Z with Z = mean(exp(.)) * N; K = 2 negatives, noise K/N.
def norm(a): return a / np.linalg.norm(a, axis=1, keepdims=True)
v = norm(np.array([[1.0, 0.5, -0.2], [0.1, -1.0, 0.4]]))
bank = norm(np.array([[0.9, 0.4, 0.0], [0.2, -0.8, 0.5], [-1.0, 0.2, 0.3], [0.3, 0.3, 0.9]]))
contrast = [[0, 2, 3], [1, 0, 2]]
out = np.exp(np.array([[v[b] @ bank[j] for j in row] for b, row in enumerate(contrast)]) / 0.5)
N, K, eps = 4, 2, 1e-7
Z = out.mean() * N
P = out / Z
noise = K / N
ld1 = np.log(P[:, 0] / (P[:, 0] + noise + eps))
ld0 = np.log(noise / (P[:, 1:] + noise + eps))
print("crd nce    %.9f" % (-(ld1.sum() + ld0.sum()) / 2))
print("crd Z      %.9f" % Z)
