#!/usr/bin/env python3
"""Hand-computable reference values for Tests/NNTests/LossTests.swift and HeadTests.swift
(standard library only). Each value restates the loss formula on a tiny case."""
import math

def softplus(x): return math.log1p(math.exp(x))

# Cross-entropy, logits [1, 2, 3], label 2; smoothing eps spreads eps/(K-1) on other classes.
l = [1.0, 2.0, 3.0]
lse = math.log(sum(math.exp(v) for v in l))
lp = [v - lse for v in l]
print("ce eps=0   ", -lp[2])
print("ce eps=0.1 ", -(0.05 * lp[0] + 0.05 * lp[1] + 0.9 * lp[2]))

# Triplet, 1-D features [0, 2, 3, 4], ids [0, 0, 1, 1]: batch-hard gaps d_ap - d_an = [-1, 1, 0, -1].
gaps = [-1, 1, 0, -1]
print("tri m=0.3  ", sum(max(0, g + 0.3) for g in gaps) / 4)
print("tri soft   ", sum(softplus(g) for g in gaps) / 4)

# Circle (pairwise), features (1,0), (0,1), (1,1)/sqrt2, ids [0, 0, 1], m=0.25, gamma=1.
r, m, g = math.sqrt(0.5), 0.25, 1.0
logit_p = -g * (1 + m - 0) * (0 - (1 - m))   # rows 0 and 1: positive similarity 0
logit_n = g * (r + m) * (r - m)              # negative similarity sqrt(1/2)
print("circle     ", 2 * softplus(logit_p + logit_n) / 3)   # row 2 has no positive: 0

# ArcFace target logit, cos = 0.6, s = 2, m = 0.5.
print("arcface    ", 2 * math.cos(math.acos(0.6) + 0.5))

# Weighted triplet (FastReID's weighted_example_mining), 1-D features [0, 2, 3, 4], ids [0, 0, 1, 1]:
# d_ap = softmax(d) over positives (self included) · d, d_an = softmax(-d) over negatives · d.
f, ids = [0.0, 2.0, 3.0, 4.0], [0, 0, 1, 1]
def dist(a, b): return math.sqrt(max((a - b) ** 2, 1e-12))
def weighted(row, mask, sign):
    vals = [sign * row[j] * mask[j] for j in range(len(row))]
    shift = max(vals)
    e = [math.exp(v - shift) * mask[j] for j, v in enumerate(vals)]
    z = sum(e) + 1e-6
    return sum(row[j] * mask[j] * e[j] / z for j in range(len(row)))
gaps = []
for i in range(4):
    row = [dist(f[i], f[j]) for j in range(4)]
    pos = [1.0 if ids[j] == ids[i] else 0.0 for j in range(4)]
    neg = [1.0 - p for p in pos]
    gaps.append(weighted(row, pos, 1) - weighted(row, neg, -1))
print("wtri m=0.3 ", sum(max(0, g + 0.3) for g in gaps) / 4)
print("wtri soft  ", sum(softplus(g) for g in gaps) / 4)

# Pairwise CosFace (FastReID's pairwise_cosface), features (1,0), (0,1), (1,1)/sqrt2, ids [0, 0, 1],
# m = 0.25, gamma = 1: rows 0 and 1 have one positive (s = 0) and one negative (s = sqrt(1/2));
# row 2 has no positive and contributes softplus(-huge) = 0.
print("cosface    ", 2 * softplus(0 + 1.0 * (r + 0.25)) / 3)
