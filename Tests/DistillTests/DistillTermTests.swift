// The new distillation terms against reference values (Scripts/distill_terms_golden.py, numpy:
// mdistiller's DKD, the JS divergence, FastDistill's Overhaul margins and partial L2,
// RepDistiller's CRD NCE), their finite-difference gradients, the term registry (a term defined
// only here runs through a tiny sweep), and an exact resume with CRD's memory banks.
import XCTest
import Foundation
import Tensor
import TestSupport
import Config
import NN
import Store
@testable import Distill

final class DistillTermValueTests: XCTestCase {
    let s = Tensor(shape: [2, 4], scalars: [1, 2, 0.5, -1, 0.3, -0.2, 1.5, 0])
    let t = Tensor(shape: [2, 4], scalars: [2, 1, 0, -0.5, 0, 0.5, 2.5, -1])

    func testDKDMatchesMdistiller() {
        let (tckd, nckd) = DistillLosses.decoupledKD(student: s, teacher: t, targets: [1, 2], temperature: 2)
        XCTAssertEqual(tckd.item(), 0.196105760, accuracy: 1e-5)
        XCTAssertEqual(nckd.item(), 0.216467798, accuracy: 1e-5)
        // Identical logits: both parts vanish.
        let (a, b) = DistillLosses.decoupledKD(student: t, teacher: t, targets: [1, 2], temperature: 4)
        XCTAssertEqual(a.item(), 0, accuracy: 1e-5); XCTAssertEqual(b.item(), 0, accuracy: 1e-5)
    }

    func testJensenShannonIsSymmetricAndBounded() {
        XCTAssertEqual(DistillLosses.jensenShannon(student: s, teacher: t, temperature: 2).item(), 0.081176349, accuracy: 1e-5)
        XCTAssertEqual(DistillLosses.jensenShannon(student: t, teacher: s, temperature: 2).item(),
                       DistillLosses.jensenShannon(student: s, teacher: t, temperature: 2).item(), accuracy: 1e-6)
        let far = Tensor(shape: [1, 2], scalars: [50, -50]), other = Tensor(shape: [1, 2], scalars: [-50, 50])
        XCTAssertEqual(DistillLosses.jensenShannon(student: far, teacher: other, temperature: 1).item(), Float(log(2.0)), accuracy: 1e-4)
    }

    func testOverhaulMarginsAndPartialL2() {
        let m = OverhaulTerm.margins(gamma: [1, 0.5], beta: [0.5, 3])
        XCTAssertEqual(m[0], -0.641077770, accuracy: 1e-6)
        XCTAssertEqual(m[1], -1.5, accuracy: 1e-6, "P(x < 0) ≤ 0.001: −3|γ|")
        let st = Tensor(shape: [1, 2, 1, 3], scalars: [0.2, -1, 1, -2, 0.5, -1.6])
        let te = Tensor(shape: [1, 2, 1, 3], scalars: [0.1, -2, 0.8, -1, -0.2, 1])
        XCTAssertEqual(DistillLosses.overhaulPartialL2(student: st, teacher: te, margin: [-0.641077770, -1.5]).item(), 7.3, accuracy: 1e-5)
    }

    func testCRDNoiseContrastMatchesRepDistiller() {
        func norm(_ rows: [[Float]]) -> Tensor {
            Tensor(shape: [rows.count, rows[0].count], scalars: rows.flatMap { r in
                let n = r.map { $0 * $0 }.reduce(0, +).squareRoot(); return r.map { $0 / n } })
        }
        let v = norm([[1, 0.5, -0.2], [0.1, -1, 0.4]])
        let bank = norm([[0.9, 0.4, 0], [0.2, -0.8, 0.5], [-1, 0.2, 0.3], [0.3, 0.3, 0.9]])
        let z = Tensor.zeros([2])
        let loss = DistillLosses.crdNCE(v: v, memory: bank, contrast: [[0, 2, 3], [1, 0, 2]], tau: 0.5, z: z, slot: 0)
        XCTAssertEqual(loss.item(), 0.840934646, accuracy: 1e-5)
        XCTAssertEqual(z.pointer[0], 11.548176939, accuracy: 1e-4, "Z is fixed at the first batch")
        XCTAssertEqual(z.pointer[1], 0)
    }
}

final class DistillTermGradientTests: XCTestCase {
    func testNewTermsGradients() {
        let y = [0, 2, 1, 2]
        let s = randomTensor([4, 5], seed: 1), t = randomTensor([4, 5], seed: 2, requiresGrad: false)
        assertGradients([s]) { let (a, b) = DistillLosses.decoupledKD(student: $0[0], teacher: t, targets: y, temperature: 2); return a + b * 8 }
        assertGradients([s]) { DistillLosses.jensenShannon(student: $0[0], teacher: t, temperature: 3) }
        XCTAssertNil(t.grad, "the teacher receives no gradient")
        // Partial L2: away from the mask's kinks (s = t' and t' = 0) the mask is constant.
        let sm = awayFromKinks(randomTensor([2, 3, 2, 2], seed: 3), kinks: [0]), tm = randomTensor([2, 3, 2, 2], seed: 4, requiresGrad: false)
        assertGradients([sm]) { DistillLosses.overhaulPartialL2(student: $0[0], teacher: tm, margin: [-0.3, -0.5, -1]) }
        let v = randomTensor([3, 4], seed: 5), bank = randomTensor([6, 4], seed: 6, requiresGrad: false).l2Normalized(axis: 1)
        let z = Tensor(shape: [2], scalars: [5, 5])
        assertGradients([v]) { DistillLosses.crdNCE(v: $0[0].l2Normalized(axis: 1), memory: bank, contrast: [[0, 1, 2], [1, 3, 4], [2, 5, 0]],
                                                      tau: 0.5, z: z, slot: 0) }
    }
}

/// A term that exists only in this test target: L1 distance between embeddings.
struct L1TermKeys: ConfigKeyGroup {
    init() {}
    let weight = Key.float("KD.TEST_L1_WEIGHT", 2, KeyRange.nonNegative, "weight of the test-only l1 term")
}

final class L1Term: DistillTerm {
    static let entry = DistillTermEntry(name: "l1test", help: "test-only L1 of embeddings", keys: [L1TermKeys.self], needs: [.embedding],
                                        reportKeys: [L1TermKeys.shared.weight.name]) { c, ctx, rng in L1Term(c, ctx, &rng) }
    let weight: Float, projector: Parameter?
    init(_ c: ResolvedConfig, _ ctx: TermContext, _ rng: inout RandomGenerator) {
        weight = Float(c[\L1TermKeys.weight]); projector = embeddingProjector(ctx, rng: &rng)
    }
    var namedParameters: [(String, Parameter)] { projector.map { [("distill.l1test.projector", $0)] } ?? [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        let s = projector.map { linear(b.student.head.preNeck, weight: $0) } ?? b.student.head.preNeck
        losses.add("loss_l1test", (s - b.teacher.embedding.detached()).abs().mean(), weight: weight)
    }
}

final class DistillTermRegistryTests: XCTestCase {
    func testRegistryDrivesMethodValidationSchemaAndCacheability() throws {
        XCTAssertEqual(DistillTerms.names.prefix(10), ["kl", "skl", "js", "dkd", "mse", "cos", "rkd", "pkt", "sp", "hint"])
        for e in DistillTerms.all { for g in e.keys { for k in g.keys { XCTAssertNotNil(RunConfig.schema.byKey[k.key], "\(e.name): \(k.key)") } } }
        XCTAssertThrowsError(try KDConfig.terms(of: "kl+dkdd")) { XCTAssertTrue("\($0)".contains("Did you mean dkd?"), "\($0)") }
        XCTAssertTrue(try KDConfig(config: try RunConfig.schema.load(overrides: ["KD.METHOD", "dkd+js+crd"])).needs.isCacheable)
        XCTAssertFalse(try KDConfig(config: try RunConfig.schema.load(overrides: ["KD.METHOD", "kl+overhaul"])).needs.isCacheable)
        XCTAssertTrue(RunConfig.schema.byKey["KD.METHOD"]!.doc.contains("overhaul"))
    }

    func testATermDefinedInTheTestTargetRunsThroughASweep() throws {
        DistillTerms.register(L1Term.entry)
        defer { DistillTerms.unregister("l1test") }
        XCTAssertNotNil(RunConfig.schema.byKey["KD.TEST_L1_WEIGHT"], "the schema picks up a registered term's keys")
        let dir = NSTemporaryDirectory() + "reidkd-l1term-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TrainerTests.writeBaseConfig(dir, maxEpoch: 1, evalPeriod: 1)
        try """
        name: l1
        teacher: {config: base.yaml, opts: {MODEL.BACKBONE.WIDTH: 0.25}}
        student: {config: base.yaml}
        grid: {KD.METHOD: [l1test], KD.TEST_L1_WEIGHT: [0.5]}
        seeds: [1]
        """.write(toFile: "\(dir)/l1.yaml", atomically: true, encoding: .utf8)
        let store = try ExperimentStore(path: "\(dir)/store.sqlite")
        let runner = try SweepRunner(spec: try SweepSpec.load(path: "\(dir)/l1.yaml"), specPath: "\(dir)/l1.yaml", store: store,
                                     resultsRoot: "\(dir)/results")
        runner.log = { _ in }
        let ds = try runner.dataset(for: runner.runs[0].config)
        let sweep = try runner.record(fingerprint: try ds.fingerprint())
        _ = try runner.work(sweep: sweep, roles: [.teacher], dataset: ds)
        let out = try runner.work(sweep: sweep, roles: [.student], dataset: ds)
        XCTAssertEqual(out.finished, 1)
        let student = try XCTUnwrap(try store.runs(RunFilter(sweep: sweep.id, roles: [.student])).first)
        XCTAssertEqual(try store.params(run: student.id)["KD.TEST_L1_WEIGHT"], "0.5")
        XCTAssertNotNil(try store.latestMetrics(run: student.id)["loss_l1test"], "the test term's loss was logged")
    }

    func testCRDResumesExactlyWithItsMemoryBanks() throws {
        let tdir = NSTemporaryDirectory() + "reidkd-crd-t-\(UUID().uuidString)"
        let a = NSTemporaryDirectory() + "reidkd-crd-a-\(UUID().uuidString)", b = NSTemporaryDirectory() + "reidkd-crd-b-\(UUID().uuidString)"
        defer { for d in [tdir, a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let teacher = try TrainerTests.makeTeacher(tdir)
        func trainer(_ out: String, _ extra: [String], resume: Bool = false) throws -> Trainer {
            let c = try TrainerTests.config(["KD.METHOD", "crd+dkd", "KD.CRD_NEGATIVES", "20"] + extra, out: out)
            var o = TrainerOptions(outputDir: out); o.resume = resume
            let t = try Trainer(config: c, data: try TrainingData(config: c), teacher: teacher, options: o)
            t.onLog = { _ in }
            return t
        }
        let straight = try trainer(a, [])
        _ = try straight.run()
        _ = try trainer(b, ["SOLVER.MAX_EPOCH", "1"]).run()
        let resumed = try trainer(b, [], resume: true)
        _ = try resumed.run()
        XCTAssertEqual(resumed.model.stateDict().flatMap { $0.1.scalars }, straight.model.stateDict().flatMap { $0.1.scalars },
                       "a resumed CRD run equals the uninterrupted one (memory banks and Z restored)")
        XCTAssertEqual(resumed.objective!.stateDict.map(\.0).filter { $0.hasPrefix("distill.crd.memory") }.count, 2)
    }
}
