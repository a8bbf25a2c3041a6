// A small experiment store written by hand (no training): a teacher, two student architectures,
// each with a baseline and KD runs over seeds, plus an unfinished run. Numbers are chosen so the
// expected table values can be worked out on paper (see TableTests).
import Foundation
import XCTest
import Data
import Store
@testable import Report

struct FixtureRun {
    var name: String
    var role: RunRole
    var seed: Int
    var backbone: String        // MODEL.BACKBONE.NAME
    var width: Double
    var method: String
    var mAP: Double
    var latency: Double
    var gflops: Double
    var status: RunStatus = .finished
    /// Leave the mAP key out of the summary (a run recorded without it).
    var omitMAP = false
}

enum Fixtures {
    /// A fresh folder, removed when `test` ends.
    static func tempDir(_ tag: String, _ test: XCTestCase) -> String {
        let d = NSTemporaryDirectory() + "reidkd-report-\(tag)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        return d
    }

    /// teacher: mAP 60, latency 4 ms, 1 GFLOP. resnet18 ×0.25 (0.25 GFLOPs, 1 ms): baseline 30/34,
    /// kl 40/44, kl+mse 39/47. mobilenetv2 ×0.5 (0.1 GFLOPs, 0.8 ms): baseline 20, kl 26. Plus a failed run.
    static let runs: [FixtureRun] = [
        FixtureRun(name: "teacher", role: .teacher, seed: 1, backbone: "resnet", width: 1, method: "none", mAP: 60, latency: 4, gflops: 1),
        FixtureRun(name: "r18-baseline-s1", role: .baseline, seed: 1, backbone: "resnet", width: 0.25, method: "none", mAP: 30, latency: 1, gflops: 0.25),
        FixtureRun(name: "r18-kl-s1", role: .student, seed: 1, backbone: "resnet", width: 0.25, method: "kl", mAP: 40, latency: 1, gflops: 0.25),
        FixtureRun(name: "r18-klmse-s1", role: .student, seed: 1, backbone: "resnet", width: 0.25, method: "kl+mse", mAP: 39, latency: 1, gflops: 0.25),
        FixtureRun(name: "r18-baseline-s2", role: .baseline, seed: 2, backbone: "resnet", width: 0.25, method: "none", mAP: 34, latency: 1, gflops: 0.25),
        FixtureRun(name: "r18-kl-s2", role: .student, seed: 2, backbone: "resnet", width: 0.25, method: "kl", mAP: 44, latency: 1, gflops: 0.25),
        FixtureRun(name: "r18-klmse-s2", role: .student, seed: 2, backbone: "resnet", width: 0.25, method: "kl+mse", mAP: 47, latency: 1, gflops: 0.25),
        FixtureRun(name: "mbv2-baseline-s1", role: .baseline, seed: 1, backbone: "mobilenetv2", width: 0.5, method: "none", mAP: 20, latency: 0.8, gflops: 0.1),
        FixtureRun(name: "mbv2-kl-s1", role: .student, seed: 1, backbone: "mobilenetv2", width: 0.5, method: "kl", mAP: 26, latency: 0.8, gflops: 0.1),
        FixtureRun(name: "mbv2-klmse-s1", role: .student, seed: 1, backbone: "mobilenetv2", width: 0.5, method: "kl+mse", mAP: 0, latency: 0.8, gflops: 0.1, status: .failed),
    ]

    /// Params as the sweep runner stores them: Swift enum descriptions when `enumStyle` is set
    /// (what the store on main holds), plain text otherwise.
    static func params(_ r: FixtureRun, enumStyle: Bool) -> [String: String] {
        func s(_ v: String) -> String { enumStyle ? "string(\"\(v)\")" : v }
        func d(_ v: Double) -> String { enumStyle ? "double(\(v))" : "\(v)" }
        func i(_ v: Int) -> String { enumStyle ? "int(\(v))" : "\(v)" }
        return ["MODEL.BACKBONE.NAME": s(r.backbone), "MODEL.BACKBONE.DEPTH": i(18), "MODEL.BACKBONE.WIDTH": d(r.width),
                "KD.METHOD": s(r.method), "KD.TEMPERATURE": d(4), "KD.LOGIT_WEIGHT": d(1), "KD.EMBED_WEIGHT": d(1),
                "KD.TEACHER_CONFIG": s(r.role == .student ? "configs/teacher.yaml" : ""),
                "SOLVER.OPT": s(r.backbone == "mobilenetv2" ? "SGD" : "Adam"),   // a per-architecture recipe key
                "SEED": i(r.seed), "OUTPUT_DIR": s("results/fx/\(r.name)"), "SOLVER.MAX_EPOCH": i(r.role == .teacher ? 24 : 16)]
    }

    /// Writes the store; with `artifacts`, eval.json and ranklist.json for the teacher and run 7
    /// (the best student seed of the default `runs`), and the gallery images they point to. A NaN
    /// mAP is stored as the store stores NaN (NULL).
    @discardableResult
    static func makeStore(at dir: String, sweep: String = "fx", enumStyle: Bool = false, artifacts: Bool = true,
                          runs: [FixtureRun] = Fixtures.runs) throws -> ExperimentStore {
        let store = try ExperimentStore(path: dir + "/reidkd.sqlite")
        let sw = try store.findOrCreateSweep(name: sweep, spec: "name: \(sweep)\n")
        let specs = runs.map { r in
            RunSpec(name: r.name, role: r.role, config: "{}", configHash: r.name, seed: r.seed, params: params(r, enumStyle: enumStyle))
        }
        let stored = try store.enqueue(specs, sweep: sw)
        for (r, run) in zip(runs, stored) {
            _ = try store.start(run.id)
            if r.status == .failed { try store.markFailed(run.id, error: "diverged at step 3\ntrace"); continue }
            try store.setSummary(run: run.id, (r.omitMAP ? [:] : ["mAP": r.mAP]).merging(["R1": r.mAP + 10, "R5": r.mAP + 20, "mINP": r.mAP / 2,
                                               "params_M": r.gflops * 10, "gflops": r.gflops, "latency_ms_b1": r.latency,
                                               "images_per_second_b64": 1000 / r.latency])
                                               { a, _ in a }.merging(r.method == "kl" ? ["teacher_cache_hit_rate": r.seed == 1 ? 0.5 : 1] : [:]) { a, _ in a })
            try store.addArtifact(run: run.id, kind: "model", path: "results/\(r.name)/model.safetensors", sha256: "00",
                                  bytes: Int64(r.gflops * 8_000_000))
            var points: [MetricPoint] = []
            for step in stride(from: 10, through: 100, by: 10) {
                points.append(MetricPoint(key: "loss_ce", step: step, epoch: step / 50, value: 5 - Double(step) / 40))
                points.append(MetricPoint(key: "loss_tri", step: step, epoch: step / 50, value: 1 - Double(step) / 200))
                points.append(MetricPoint(key: "lr", step: step, epoch: step / 50, value: 0.001 * Double(100 - step) / 100))
                if r.method != "none" { points.append(MetricPoint(key: "loss_kd", step: step, epoch: step / 50, value: 2 - Double(step) / 100)) }
            }
            if r.mAP.isFinite {
                points.append(MetricPoint(key: "eval_mAP", step: 50, epoch: 1, value: r.mAP / 200))
                points.append(MetricPoint(key: "eval_mAP", step: 100, epoch: 2, value: r.mAP / 100))
            }
            try store.logMetrics(run: run.id, points)
            try store.markFinished(run.id)
        }
        if artifacts { try writeArtifacts(store: store, dir: dir, teacher: stored[0].id, student: stored[6].id) }
        return store
    }

    static func writeArtifacts(store: ExperimentStore, dir: String, teacher: Int64, student: Int64) throws {
        let imgDir = dir + "/images"
        try FileManager.default.createDirectory(atPath: imgDir, withIntermediateDirectories: true)
        for pid in 0..<4 {
            let img = RGBImage(width: 8, height: 16, fill: (UInt8(40 * pid + 30), 90, 160))
            try ImageIO.savePNG(img, to: "\(imgDir)/p\(pid).png")
        }
        func item(_ pid: Int, _ qpid: Int, _ d: Double) -> String {
            "{\"index\":\(pid),\"path\":\"\(imgDir)/p\(pid).png\",\"pid\":\(pid),\"camid\":1,\"distance\":\(d),\"match\":\(pid == qpid)}"
        }
        func rankList(_ order: [Int]) -> String {
            let qs = (0..<2).map { q in
                "{\"query\":\(item(q, q, 0)),\"gallery\":[" + order.enumerated().map { item($0.element, q, Double($0.offset) / 10) }.joined(separator: ",") + "]}"
            }
            return "{\"k\":\(order.count),\"metric\":\"cosine\",\"queries\":[\(qs.joined(separator: ","))]}"
        }
        // Teacher ranks pid 0 first, the student pid 1 first; a 4th "image" is missing on disk.
        let files: [(Int64, String, String, String)] = [
            (teacher, "eval", "t-eval.json", "{\"cmc\":[0.7,0.8,0.9,1.0],\"mAP\":0.6}"),
            (student, "eval", "s-eval.json", "{\"cmc\":[0.5,0.7,0.85,0.95],\"mAP\":0.47}"),
            (teacher, "ranklist", "t-rank.json", rankList([0, 1, 2])),
            (student, "ranklist", "s-rank.json", rankList([1, 0, 2])),
        ]
        for (run, kind, name, text) in files {
            try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
            try store.recordArtifact(run: run, kind: kind, file: "\(dir)/\(name)")
        }
    }
}

extension FixtureRun {
    /// A ResNet-18 ×0.25 student run (teacher: ×1) with the given method, seed and mAP; 1 ms, 0.25 GFLOPs.
    static func r18(_ method: String, seed: Int, mAP: Double, role: RunRole? = nil) -> FixtureRun {
        let role = role ?? (method == "none" ? .baseline : .student)
        let name = role == .teacher ? "teacher-s\(seed)" : "r18-\(method == "none" ? "baseline" : method)-s\(seed)"
        return FixtureRun(name: name, role: role, seed: seed, backbone: "resnet", width: role == .teacher ? 1 : 0.25,
                          method: method, mAP: mAP, latency: role == .teacher ? 4 : 1, gflops: role == .teacher ? 1 : 0.25)
    }
}
