// The plan-time smoke check of `reidkd sweep` (and `--dry-run`): every distinct model of the
// sweep is built and put through one training step's forward and backward pass on a 2-image
// batch of random pixels (its own losses, and the KD terms against a randomly initialised
// teacher for distilled students), an eval-mode forward at INPUT.SIZE_TEST and the cost count
// the summary reports. Engine preconditions reachable from a config then fail at plan time, as
// errors naming the run and the key (ReidModel.validate, the hint check below), instead of
// killing a worker hours into the sweep. Needs no data: the class count is a placeholder when
// MODEL.HEADS.NUM_CLASSES is 0 (the dataset's count is only known once it is loaded).
import Foundation
import Tensor
import Config
import NN
import Data

public enum SweepSmokeCheck {
    /// Checks every run; returns how many distinct models were built. Throws `SweepError`
    /// "run NAME: smoke check: …" for the first run that fails.
    @discardableResult
    public static func run(_ runs: [ResolvedRun], numClasses: Int = 4) throws -> Int {
        let teacherRun = runs.first { $0.planned.role == .teacher }
        var seen = Set<String>()
        for r in runs {
            do {
                let kd = try KDConfig(config: r.config)
                let given = kd.needsGivenTeacher ? teacherRun?.config : nil
                let key = signature(r.config) + (given.map { "\u{1}" + signature($0) } ?? "")
                guard seen.insert(key).inserted else { continue }
                try check(r.config, kd: kd, teacher: given, numClasses: numClasses)
            } catch {
                throw SweepError("run \(r.planned.name): smoke check (one training step on 2 images, one eval forward): \(error)")
            }
        }
        return seen.count
    }

    /// The keys that shape the model, its losses and its inputs.
    static func signature(_ c: ResolvedConfig) -> String {
        c.values.filter { $0.key.hasPrefix("MODEL.") || $0.key.hasPrefix("INPUT.SIZE_") || ($0.key.hasPrefix("KD.") && $0.key != KDKeys.shared.teacherWeights.name) }
            .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.plain)" }.joined(separator: "\u{1}")
    }

    static func check(_ c: ResolvedConfig, kd: KDConfig, teacher tc: ResolvedConfig?, numClasses: Int) throws {
        var rng = RandomGenerator(seed: 1)
        let sizeTrain = c[\InputKeys.sizeTrain], sizeTest = c[\InputKeys.sizeTest]
        let model = try ReidModel(spec: ModelSpec(config: c, numClasses: numClasses, inputSize: sizeTrain), rng: &rng)
        guard model.spec.numClasses >= 2 else {
            throw NNError("MODEL.HEADS.NUM_CLASSES is \(model.spec.numClasses): identity classification needs at least 2 classes; set 0 to take the count from the data")
        }
        let targets = [0, 1]
        try model.validate(targets: targets)
        try model.validate(inputSize: sizeTest, key: InputKeys.shared.sizeTest.name)
        let loss = try ReidLoss(spec: LossSpec(config: c))
        let images = Tensor.randn([2, 3] + sizeTrain, rng: &rng)
        var objective: DistillObjective?, teacherOut: TeacherOutput?
        // The given teacher (randomly initialised: only shapes matter here), or the student's own
        // moving average for KD.TEACHER ema.
        let teacher = try tc.map { tc in
            Teacher(model: try ReidModel(spec: ModelSpec(config: tc, numClasses: model.spec.numClasses, inputSize: tc[\InputKeys.sizeTrain]), rng: &rng),
                    config: tc)
        } ?? kd.emaDecay.map { try EMATeacher(student: model, config: c, decay: $0).teacher }
        let preActivation = kd.needs.contains(.preReLUStages)
        if kd.enabled, let teacher {
            let tModel = teacher.model
            let context = TermContext(studentEmbed: model.heads.inFeatures, teacherEmbed: tModel.heads.inFeatures,
                                      studentClasses: model.spec.numClasses, teacherClasses: tModel.spec.numClasses,
                                      studentStageChannels: model.backbone.stageChannels, teacherStageChannels: tModel.backbone.stageChannels,
                                      trainingSamples: 2, teacherStageNorms: teacher.stageOutputNorms)
            objective = try DistillObjective(kd: kd, config: c, context: context, rng: &rng)
            teacherOut = teacher.forward(images, stages: kd.needs.contains(.stages), preActivation: preActivation)
            if kd.terms.contains("hint"), let t = teacherOut {
                let stage = c[\HintKeys.stage]
                let s = withNoGrad { model.backbone.forwardStages(images) }
                try checkHint(student: s[stage].shape, teacher: t.stages[stage].shape, stage: stage)
            }
        }
        _ = model.train()
        let total = withGrad { () -> Tensor in
            let out = model.forward(images, targets: targets, preActivation: preActivation)
            var d = loss(out, targets: targets)
            if let obj = objective, let t = teacherOut {
                obj.addTerms(to: &d, student: out, teacher: t, targets: targets, sampleIndices: [0, 1], progress: 0, iteration: 0)
            }
            return d.total
        }
        total.backward()
        _ = model.eval()
        _ = withNoGrad { model.forward(Tensor.randn([2, 3] + sizeTest, rng: &rng)) }
        _ = model.forwardMACs(inputShape: [3] + sizeTest)
    }

    /// The feature hint average-pools the larger stage map down by an integer factor; other
    /// size pairs would stop the process inside the loss.
    static func checkHint(student s: [Int], teacher t: [Int], stage: Int) throws {
        let h = min(s[2], t[2]), w = min(s[3], t[3])
        for m in [s, t] where !(m[2] % h == 0 && m[3] % w == 0 && m[2] / h == m[3] / w) {
            throw TrainError("KD.HINT_STAGE \(stage): the student's stage map is \(s[2])×\(s[3]) and the teacher's \(t[2])×\(t[3]), which do not differ by one integer factor; choose another KD.HINT_STAGE or matching MODEL.BACKBONE.LAST_STRIDE")
        }
    }
}
