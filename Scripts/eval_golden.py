#!/usr/bin/env python3
"""Golden values for the Eval tests: writes Tests/EvalTests/GoldenFixtures.swift.

Independent computation with NumPy, transcribing the reference Python code:
  * rank metrics  - torchreid / FastReID `eval_market1501` (evaluation/rank.py, python path);
  * re-ranking    - `re_ranking` of Zhong et al. (FastReID evaluation/rerank.py);
  * alpha-QE      - FastReID evaluation/query_expansion.py `aqe` (torch replaced by numpy).
Deviations from the originals, all deliberate and documented in docs/EVAL.md:
  * argsort uses kind="stable" (ties broken by index; the originals leave ties to quicksort);
  * aqe picks the top-k with a stable argsort of -sim instead of argpartition (same set barring
    exact ties) and gives negative similarities weight 0.
Run:  python3 Scripts/eval_golden.py   (NumPy >= 1.20; output is deterministic for a given seed)
"""
import os
import numpy as np

rng = np.random.default_rng(20171)


def eval_market1501(distmat, q_pids, g_pids, q_camids, g_camids, max_rank=50):
    num_q, num_g = distmat.shape
    if num_g < max_rank:
        max_rank = num_g
    indices = np.argsort(distmat, axis=1, kind="stable")
    matches = (g_pids[indices] == q_pids[:, np.newaxis]).astype(np.int32)
    all_cmc, all_AP, all_INP = [], [], []
    num_valid_q = 0.0
    for q_idx in range(num_q):
        q_pid, q_camid = q_pids[q_idx], q_camids[q_idx]
        order = indices[q_idx]
        remove = (g_pids[order] == q_pid) & (g_camids[order] == q_camid)
        keep = np.invert(remove)
        raw_cmc = matches[q_idx][keep]
        if not np.any(raw_cmc):
            continue
        cmc = raw_cmc.cumsum()
        pos_idx = np.where(raw_cmc == 1)
        max_pos_idx = np.max(pos_idx)
        all_INP.append(cmc[max_pos_idx] / (max_pos_idx + 1.0))
        cmc[cmc > 1] = 1
        all_cmc.append(cmc[:max_rank])
        num_valid_q += 1.0
        num_rel = raw_cmc.sum()
        tmp_cmc = raw_cmc.cumsum()
        tmp_cmc = np.asarray([x / (i + 1.0) for i, x in enumerate(tmp_cmc)]) * raw_cmc
        all_AP.append(tmp_cmc.sum() / num_rel)
    all_cmc = np.asarray(all_cmc).astype(np.float32).sum(0) / num_valid_q
    return all_cmc, float(np.mean(all_AP)), float(np.mean(all_INP)), int(num_valid_q)


def re_ranking(q_g_dist, q_q_dist, g_g_dist, k1=20, k2=6, lambda_value=0.3):
    original_dist = np.concatenate(
        [np.concatenate([q_q_dist, q_g_dist], axis=1),
         np.concatenate([q_g_dist.T, g_g_dist], axis=1)], axis=0)
    original_dist = np.power(original_dist, 2).astype(np.float32)
    original_dist = np.transpose(1. * original_dist / np.max(original_dist, axis=0))
    V = np.zeros_like(original_dist).astype(np.float32)
    initial_rank = np.argsort(original_dist, kind="stable").astype(np.int32)
    query_num = q_g_dist.shape[0]
    gallery_num = q_g_dist.shape[0] + q_g_dist.shape[1]
    all_num = gallery_num
    for i in range(all_num):
        forward_k_neigh_index = initial_rank[i, :k1 + 1]
        backward_k_neigh_index = initial_rank[forward_k_neigh_index, :k1 + 1]
        fi = np.where(backward_k_neigh_index == i)[0]
        k_reciprocal_index = forward_k_neigh_index[fi]
        k_reciprocal_expansion_index = k_reciprocal_index
        for j in range(len(k_reciprocal_index)):
            candidate = k_reciprocal_index[j]
            candidate_forward_k_neigh_index = initial_rank[candidate, :int(np.around(k1 / 2.)) + 1]
            candidate_backward_k_neigh_index = initial_rank[candidate_forward_k_neigh_index, :int(np.around(k1 / 2.)) + 1]
            fi_candidate = np.where(candidate_backward_k_neigh_index == candidate)[0]
            candidate_k_reciprocal_index = candidate_forward_k_neigh_index[fi_candidate]
            if len(np.intersect1d(candidate_k_reciprocal_index, k_reciprocal_index)) > 2. / 3 * len(candidate_k_reciprocal_index):
                k_reciprocal_expansion_index = np.append(k_reciprocal_expansion_index, candidate_k_reciprocal_index)
        k_reciprocal_expansion_index = np.unique(k_reciprocal_expansion_index)
        weight = np.exp(-original_dist[i, k_reciprocal_expansion_index])
        V[i, k_reciprocal_expansion_index] = 1. * weight / np.sum(weight)
    original_dist = original_dist[:query_num, ]
    if k2 != 1:
        V_qe = np.zeros_like(V, dtype=np.float32)
        for i in range(all_num):
            V_qe[i, :] = np.mean(V[initial_rank[i, :k2], :], axis=0)
        V = V_qe
    invIndex = [np.where(V[:, i] != 0)[0] for i in range(gallery_num)]
    jaccard_dist = np.zeros_like(original_dist, dtype=np.float32)
    for i in range(query_num):
        temp_min = np.zeros(shape=[1, gallery_num], dtype=np.float32)
        indNonZero = np.where(V[i, :] != 0)[0]
        indImages = [invIndex[ind] for ind in indNonZero]
        for j in range(len(indNonZero)):
            temp_min[0, indImages[j]] = temp_min[0, indImages[j]] + np.minimum(V[i, indNonZero[j]], V[indImages[j], indNonZero[j]])
        jaccard_dist[i] = 1 - temp_min / (2. - temp_min)
    final_dist = jaccard_dist * (1 - lambda_value) + original_dist * lambda_value
    return final_dist[:query_num, query_num:]


def aqe(query_feat, gallery_feat, qe_times=1, qe_k=10, alpha=3.0):
    num_query = query_feat.shape[0]
    all_feat = np.concatenate((query_feat, gallery_feat), axis=0)
    norm_feat = all_feat / np.maximum(np.linalg.norm(all_feat, axis=1, keepdims=True), 1e-12)
    for _ in range(qe_times):
        out = []
        sims = norm_feat @ norm_feat.T
        for sim in sims:
            init_rank = np.argsort(-sim, kind="stable")
            weights = np.power(np.maximum(sim[init_rank[:qe_k]], 0), alpha).reshape((-1, 1))
            out.append(np.mean(all_feat[init_rank[:qe_k], :] * weights, axis=0))
        all_feat = np.stack(out, axis=0).astype(np.float32)
        norm_feat = all_feat / np.maximum(np.linalg.norm(all_feat, axis=1, keepdims=True), 1e-12)
    return all_feat[:num_query], all_feat[num_query:]


def sq_euclid(a, b):
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d, 0).astype(np.float32)


def sym(m):
    return ((m + m.T) / 2).astype(np.float32)


def arr(x):
    return "[" + ", ".join(repr(float(v)) for v in np.asarray(x, dtype=np.float64).ravel()) + "]"


def iarr(x):
    return "[" + ", ".join(str(int(v)) for v in np.asarray(x).ravel()) + "]"


out = ["// Generated by Scripts/eval_golden.py — do not edit; rerun the script instead.",
       "// Values computed with NumPy " + np.__version__ + " from transcriptions of the reference Python code.",
       "", "enum Golden {"]

# Rank metrics on a quantised distance matrix (many exact ties), with distractor pid 0, a query
# whose only positives share its camera (skipped), and a junk item.
nq, ng = 10, 70
q_pids = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 3])
q_cams = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
g_pids = rng.integers(0, 10, size=ng)
g_cams = rng.integers(0, 3, size=ng)
g_pids[:3] = 9; g_cams[:3] = 2          # pid 9: only same-camera gallery items → query 8 skipped
g_pids[g_pids == 9] = 0
g_pids[:3] = 9
dist = (rng.integers(0, 12, size=(nq, ng)) / 8.0).astype(np.float32)
cmc, mAP, mINP, valid = eval_market1501(dist, q_pids, g_pids, q_cams, g_cams)
out += ["    static let rankDist: [Float] = " + arr(dist),
        f"    static let rankShape = ({nq}, {ng})",
        "    static let rankQPids = " + iarr(q_pids), "    static let rankQCams = " + iarr(q_cams),
        "    static let rankGPids = " + iarr(g_pids), "    static let rankGCams = " + iarr(g_cams),
        "    static let rankCMC: [Double] = " + arr(cmc),
        f"    static let rankMAP = {mAP!r}", f"    static let rankMINP = {mINP!r}", f"    static let rankValid = {valid}"]

# Re-ranking on squared-Euclidean distances of random features (qq, gg symmetrised).
for name, (nq, ng, d, k1, k2, lam) in {"rr": (5, 25, 8, 20, 6, 0.3), "rrSmall": (4, 16, 6, 5, 3, 0.5)}.items():
    qf = rng.standard_normal((nq, d)).astype(np.float32)
    gf = rng.standard_normal((ng, d)).astype(np.float32)
    gf[1] = gf[0]                          # a duplicate gallery item: distance exactly 0
    qg, qq, gg = sq_euclid(qf, gf), sym(sq_euclid(qf, qf)), sym(sq_euclid(gf, gf))
    np.fill_diagonal(qq, 0); np.fill_diagonal(gg, 0)
    res = re_ranking(qg, qq, gg, k1, k2, lam)
    out += [f"    static let {name}Shape = ({nq}, {ng})", f"    static let {name}Params = ({k1}, {k2}, Float({lam}))",
            f"    static let {name}QG: [Float] = " + arr(qg), f"    static let {name}QQ: [Float] = " + arr(qq),
            f"    static let {name}GG: [Float] = " + arr(gg), f"    static let {name}Out: [Float] = " + arr(res)]

# alpha-QE.
nq, ng, d, k, alpha = 4, 12, 6, 3, 3.0
qf = rng.standard_normal((nq, d)).astype(np.float32)
gf = rng.standard_normal((ng, d)).astype(np.float32)
eq, eg = aqe(qf, gf, qe_times=2, qe_k=k, alpha=alpha)
out += [f"    static let qeShape = ({nq}, {ng}, {d})", f"    static let qeParams = ({k}, Float({alpha}), 2)",
        "    static let qeQ: [Float] = " + arr(qf), "    static let qeG: [Float] = " + arr(gf),
        "    static let qeOutQ: [Float] = " + arr(eq), "    static let qeOutG: [Float] = " + arr(eg)]

# Bytes written by numpy.save itself, for the .npy reader.
import io
def npy_bytes(a):
    b = io.BytesIO(); np.save(b, a); return b.getvalue()
base = (np.arange(6).reshape(2, 3) / 4.0 - 0.5)
for name, a in {"npyF64": base.astype("<f8"), "npyF32": base.astype("<f4"), "npyFortran": np.asfortranarray(base.astype("<f4")),
                "npyInt32": base.astype("<i4"), "npyBigEndian": base.astype(">f4"), "npy1D": np.zeros(3, "<f4")}.items():
    out.append(f"    static let {name}: [UInt8] = " + iarr(np.frombuffer(npy_bytes(a), dtype=np.uint8)))
out.append("    static let npyValues: [Float] = " + arr(base))
out.append("}")

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "EvalTests", "GoldenFixtures.swift")
with open(path, "w") as f:
    f.write("\n".join(out) + "\n")
print("wrote", os.path.normpath(path))
