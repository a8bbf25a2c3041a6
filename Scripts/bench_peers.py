#!/usr/bin/env python3
"""ReidKD against PyTorch eager and onnxruntime on the same nets, in one run (`make bench-peers`).

ReidKD runs in a `reidkd-bench peers` child (Sources/reidkd-bench/PeersBench.swift) that answers
timing requests on stdin; PyTorch runs in this process; onnxruntime in this process on ReidKD's
own exported model.onnx and on a PyTorch export of the same net. Every row is measured in
rounds A/B/A/B… (each contender a chunk of runs per round, in turn), so host interference falls
on all contenders alike; a row's figure is each contender's fastest run over all rounds (the
reason is in Sources/reidkd-bench/Timing.swift: interference on a shared host only ever adds
time), and the median is printed next to it. Ratios are "how many times faster than the peer":
peer time ÷ ReidKD time (> 1 means ReidKD is faster); for batch-1 latency the ratio is the same.

Nets (random weights: only speed is measured; the same layer shapes on both sides, checked by
parameter count): r18 = the reference student (ResNet-18 layout, widths 32–256 = ×0.5, last
stride 1, GAP, BNNeck, linear classifier 751), r50 = ResNet-50 ×0.5 (bottleneck; the teacher),
mbv2 = MobileNetV2 ×0.5 (torchvision layout, last stride 1 on the 160-channel stage).

  python3 Scripts/bench_peers.py [--bench PATH] [--rounds N] [--only train,distill,infer,onnx]
                                 [--sizes 64x32,128x64] [--json OUT]
bf16 rows (ReidKD's optional bf16 GEMMs for frozen forwards, REIDKD_BF16=1): speed-up = float32
time ÷ bf16 time in the same rounds, and the max |Δ| of the embedding against float32.
Threads: REIDKD_THREADS (default: all cores) for both sides (torch.set_num_threads,
onnxruntime intra_op_num_threads).
"""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# --- the nets, as ReidKD builds them (Sources/NN/Backbones) ------------------------------------

def scaled(c, w):
    return max(1, int(round(c * w)))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False); self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False); self.bn2 = nn.BatchNorm2d(planes)
        self.down = (nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
                     if stride != 1 or cin != planes else None)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride):
        super().__init__()
        out = planes * 4
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False); self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False); self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False); self.bn3 = nn.BatchNorm2d(out)
        self.down = (nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False), nn.BatchNorm2d(out))
                     if stride != 1 or cin != out else None)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class ResNet(nn.Module):
    def __init__(self, depth, width=0.5, last_stride=1):
        super().__init__()
        block, blocks = {18: (BasicBlock, [2, 2, 2, 2]), 50: (Bottleneck, [3, 4, 6, 3])}[depth]
        cin = scaled(64, width)
        self.stem = nn.Sequential(nn.Conv2d(3, cin, 7, 2, 3, bias=False), nn.BatchNorm2d(cin), nn.ReLU(inplace=True),
                                  nn.MaxPool2d(3, 2, 1))
        layers = []
        for i, (base, n) in enumerate(zip([64, 128, 256, 512], blocks)):
            planes = scaled(base, width)
            stride = 1 if i == 0 else (last_stride if i == 3 else 2)
            for b in range(n):
                layers.append(block(cin, planes, stride if b == 0 else 1))
                cin = planes * block.expansion
        self.layers = nn.Sequential(*layers)
        self.out_channels = cin

    def forward(self, x):
        return self.layers(self.stem(x))


def divisible(v, d=8):
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n


def conv_bn(cin, cout, k, stride=1, groups=1, relu6=True):
    layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*(layers + [nn.ReLU6(inplace=True)] if relu6 else layers))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = [conv_bn(cin, hidden, 1)] if expand != 1 else []
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden), nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, width=0.5, last_stride=1):
        super().__init__()
        cin = divisible(32 * width)
        last = divisible(1280 * max(1.0, width))
        layers = [conv_bn(3, cin, 3, 2)]
        for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
            cout = divisible(c * width)
            stride = last_stride if c == 160 else s
            for i in range(n):
                layers.append(InvertedResidual(cin, cout, stride if i == 0 else 1, t))
                cin = cout
        layers.append(conv_bn(cin, last, 1))
        self.features = nn.Sequential(*layers)
        self.out_channels = last

    def forward(self, x):
        return self.features(x)


class ReidNet(nn.Module):
    """Backbone → GAP → BNNeck (frozen zero bias) → linear classifier; eval output = pooled
    pre-neck embedding (ReidKD's neck_feat "before"), as ReidKD's model.onnx."""

    def __init__(self, net, classes=751):
        super().__init__()
        self.backbone = {"r18": lambda: ResNet(18), "r50": lambda: ResNet(50), "mbv2": lambda: MobileNetV2()}[net]()
        d = self.backbone.out_channels
        self.neck = nn.BatchNorm1d(d)
        self.neck.bias.requires_grad_(False)
        self.classifier = nn.Linear(d, classes, bias=False)

    def forward(self, x):
        f = F.adaptive_avg_pool2d(self.backbone(x), 1).flatten(1)
        return self.classifier(self.neck(f)) if self.training else f


# --- the figures --------------------------------------------------------------------------------

def kl(student, teacher, T=4.0):
    return F.kl_div(F.log_softmax(student / T, 1), F.softmax(teacher / T, 1), reduction="batchmean") * T * T


class TorchSide:
    def __init__(self, net, size, batch):
        torch.manual_seed(1)
        self.model = ReidNet(net)
        self.x = torch.randn(batch, 3, *size)
        self.y = torch.randint(0, 751, (batch,))
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.opt = torch.optim.SGD(params, lr=0.01, momentum=0.9)
        self.teacher = None
        self.size = size

    def step(self, teacher_logits=None):
        self.model.train()
        self.opt.zero_grad(set_to_none=True)
        t = teacher_logits() if teacher_logits else None
        logits = self.model(self.x)
        loss = F.cross_entropy(logits, self.y, label_smoothing=0.1)
        if t is not None:
            loss = loss + kl(logits, t)
        loss.backward()
        self.opt.step()

    def body(self, figure):
        if figure == "train":
            return lambda: self.step()
        if figure == "distill-online":
            if self.teacher is None:
                self.teacher = ReidNet("r50").eval()
                for p in self.teacher.parameters():
                    p.requires_grad_(False)
            def logits():
                with torch.no_grad():
                    f = self.teacher(self.x)
                    return self.teacher.classifier(self.teacher.neck(f))   # eval BN: running statistics
            return lambda: self.step(logits)
        if figure == "infer":
            self.model.eval()
            def run():
                with torch.inference_mode():
                    self.model(self.x)
            return run
        raise ValueError(figure)

    def export(self, path):
        self.model.eval()
        import warnings
        warnings.filterwarnings("ignore", category=DeprecationWarning)   # the TorchScript exporter: BN folded, as users get it
        torch.onnx.export(self.model, (self.x[:1],), path, input_names=["images"], output_names=["embedding"],
                          dynamic_axes={"images": {0: "N"}, "embedding": {0: "N"}}, opset_version=17,
                          do_constant_folding=True, dynamo=False)


def timed(body, reps):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter(); body(); out.append(time.perf_counter() - t0)
    return out


class ReidKDSide:
    def __init__(self, bench, threads):
        env = dict(os.environ, REIDKD_THREADS=str(threads))
        self.p = subprocess.Popen([bench, "peers"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def ask(self, line):
        self.p.stdin.write(line + "\n"); self.p.stdin.flush()
        while True:
            reply = self.p.stdout.readline()
            if not reply:
                sys.exit(f"bench_peers: reidkd-bench peers ended on '{line}'")
            if reply.startswith("{"):
                r = json.loads(reply)
                if "error" in r:
                    sys.exit(f"bench_peers: reidkd-bench peers: {r['error']}")
                return r

    def close(self):
        self.p.stdin.write("quit\n"); self.p.stdin.flush(); self.p.wait()


def ort_session(path, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()        # a default session: default graph optimisations, the run's thread count
    so.intra_op_num_threads = threads
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def summary(times):
    return min(times), float(np.median(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default=".build/release/reidkd-bench")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="train,distill,infer,onnx,bf16")
    ap.add_argument("--sizes", default="64x32,128x64")
    ap.add_argument("--json")
    a = ap.parse_args()
    threads = int(os.environ.get("REIDKD_THREADS") or os.cpu_count())
    torch.set_num_threads(threads)
    only = a.only.split(",")
    sizes = [tuple(int(v) for v in s.split("x")) for s in a.sizes.split(",")]
    reidkd = ReidKDSide(a.bench, threads)
    hello = reidkd.ask("hello")
    import onnxruntime
    load0 = os.getloadavg()
    print(f"bench-peers: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, "
          f"{threads} threads each, {a.rounds} interleaved rounds")
    print(f"ReidKD: {hello['blas']} (sgemm 1024³ {hello['sgemm_gflops']:.1f} GFLOP/s); bf16 GEMM: {hello['bf16']}; CPU {hello['cpu']}")
    print(f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads); onnxruntime {onnxruntime.__version__}")
    tmp = tempfile.mkdtemp(prefix="bench-peers-")
    rows, results, deltas = [], [], []

    def measure(label, contenders, reps, batch):
        """contenders: [(name, fn(reps) → [seconds])]; ReidKD first. Rounds A/B/A/B…"""
        times = {n: [] for n, _ in contenders}
        for _ in range(a.rounds):
            for n, f in contenders:
                times[n] += f(reps)
        s = {n: summary(t) for n, t in times.items()}
        results.append({"row": label, "batch": batch, "fastest": {n: v[0] for n, v in s.items()},
                        "median": {n: v[1] for n, v in s.items()}})
        base = contenders[0][0]
        for n, _ in contenders[1:]:
            rows.append((label, n, base, s[base], s[n], batch))
        print(f"  {label}: " + ", ".join(f"{n} {s[n][0] * 1e3:.1f} ms" for n in times), flush=True)

    def reidkd_fn(figure, net, size, batch):
        return lambda reps: reidkd.ask(f"{figure} {net} {size[0]}x{size[1]} {batch} {reps}")["times"]

    def torch_fn(side, figure):
        body = side.body(figure)
        body()   # warm-up
        return lambda reps: timed(body, reps)

    nets_checked = set()
    def check_params(net, size, side):
        if net in nets_checked:
            return
        ours = reidkd.ask(f"infer {net} {size[0]}x{size[1]} 1 1")["params"]
        theirs = sum(p.numel() for p in side.model.parameters())
        if ours != theirs:
            sys.exit(f"bench_peers: {net}: ReidKD has {ours} parameters, the PyTorch net {theirs}: not the same architecture")
        nets_checked.add(net)

    batch = 64
    for size in sizes:
        sz = f"{size[0]}×{size[1]}"
        if "train" in only:
            for net in ["r18", "mbv2"]:
                side = TorchSide(net, size, batch); check_params(net, size, side)
                measure(f"training step, {net}, {sz}", [("ReidKD", reidkd_fn("train", net, size, batch)),
                                                        ("PyTorch", torch_fn(side, "train"))], 2, batch)
        if "distill" in only:
            side = TorchSide("r18", size, batch); check_params("r18", size, side)
            tside = torch_fn(side, "distill-online")
            measure(f"distillation step, r18 ← r50 teacher online, {sz}",
                    [("ReidKD", reidkd_fn("distill-online", "r18", size, batch)), ("PyTorch", tside)], 2, batch)
            measure(f"distillation step, r18, ReidKD warm teacher cache vs PyTorch teacher online, {sz}",
                    [("ReidKD", reidkd_fn("distill-warm", "r18", size, batch)), ("PyTorch", tside)], 2, batch)
        if "bf16" in only and "unavailable" not in hello["bf16"]:
            side = TorchSide("r18", size, batch); check_params("r18", size, side)
            measure(f"bf16: teacher forward r50 (a cache fill's cost per batch), {sz}",
                    [("ReidKD bf16", reidkd_fn("teacher-bf16", "r18", size, batch)),
                     ("ReidKD float32", reidkd_fn("teacher", "r18", size, batch))], 3, batch)
            measure(f"bf16: distillation step, r18 ← r50 teacher online in bf16, {sz}",
                    [("ReidKD bf16 teacher", reidkd_fn("distill-online-bf16", "r18", size, batch)),
                     ("ReidKD float32", reidkd_fn("distill-online", "r18", size, batch)),
                     ("PyTorch", torch_fn(side, "distill-online"))], 2, batch)
            for net in ["r18", "r50", "mbv2"]:
                d = reidkd.ask(f"delta-bf16 {net} {size[0]}x{size[1]} {batch} 1")
                deltas.append((net, sz, d["max_abs_delta"], d["max_abs_value"]))
                for b, reps in [(64, 3), (1, 20)]:
                    measure(f"bf16: inference, batch {b}, {net}, {sz}",
                            [("ReidKD bf16", reidkd_fn("infer-bf16", net, size, b)),
                             ("ReidKD float32", reidkd_fn("infer", net, size, b))], reps, b)
        if "infer" in only or "onnx" in only:
            for net in ["r18", "r50", "mbv2"]:
                ours = f"{tmp}/{net}-{size[0]}x{size[1]}-reidkd.onnx"
                theirs = f"{tmp}/{net}-{size[0]}x{size[1]}-pytorch.onnx"
                reidkd.ask(f"export {net} {size[0]}x{size[1]} {ours}")
                side = TorchSide(net, size, batch); check_params(net, size, side)
                side.export(theirs)
                for b, reps in [(64, 3), (1, 20)]:
                    x = np.random.default_rng(0).standard_normal((b, 3) + size).astype(np.float32)
                    xt = torch.from_numpy(x)
                    def ort_fn(path):
                        sess = ort_session(path, threads)
                        sess.run(None, {"images": x})
                        return lambda reps: timed(lambda: sess.run(None, {"images": x}), reps)
                    side.model.eval()
                    def eager(reps):
                        with torch.inference_mode():
                            side.model(xt)
                            return timed(lambda: side.model(xt), reps)
                    what = "inference, batch 64" if b == 64 else "latency, batch 1"
                    if "infer" in only:
                        measure(f"{what}, {net}, {sz}", [("ReidKD", reidkd_fn("infer", net, size, b)),
                                                        ("onnxruntime on ReidKD's model.onnx", ort_fn(ours)),
                                                        ("PyTorch eager", eager)], reps, b)
                    if "onnx" in only:
                        measure(f"onnxruntime, {what}, {net}, {sz}", [("ReidKD's model.onnx", ort_fn(ours)),
                                                                      ("PyTorch's ONNX export", ort_fn(theirs))], reps, b)
    reidkd.close()
    load1 = os.getloadavg()
    print(f"\nRatios (peer time ÷ ReidKD time over the fastest run of {a.rounds} interleaved rounds; > 1: ReidKD faster; "
          f"median-based ratio in brackets). Load average at the end {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}.\n")
    print("| row | ReidKD | peer | peer ÷ ReidKD |")
    print("|---|---|---|---|")
    for label, peer, base, sb, sp, b in rows:
        def show(t):
            return f"{t * 1e3:.2f} ms" if b == 1 else f"{b / t:.0f} img/s"
        print(f"| {label} | {base} {show(sb[0])} | {peer} {show(sp[0])} | **{sp[0] / sb[0]:.2f}×** ({sp[1] / sb[1]:.2f}×) |")
    if deltas:
        print(f"\nbf16 ({hello['bf16']}): max |Δ| of the eval embedding (batch {batch}, random weights) against float32")
        print("| net | input | max abs Δ | max abs value | relative |")
        print("|---|---|---|---|---|")
        for net, sz, d, m in deltas:
            print(f"| {net} | {sz} | {d:.2e} | {m:.2e} | {d / m:.1e} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"load": [load0, load1], "threads": threads, "blas": hello["blas"], "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
