// The frozen teacher: built from its config, weights loaded from a checkpoint, switched to eval
// mode (BN running statistics — FastReID's Distiller leaves teachers in train mode, a bug we do
// not repeat) and always run inside the no-grad scope, so nothing is recorded and its
// parameters can never be updated.
import Foundation
import Tensor
import Config
import NN
import Data
import Support

public struct TeacherOutput {
    /// s·(raw logits or cosines), (B, classes).
    public var logits: Tensor
    /// Pooled pre-neck embedding, (B, D).
    public var embedding: Tensor
    /// Backbone stage maps (only when asked for).
    public var stages: [Tensor]
    /// Stage maps before their final activation (only when asked for).
    public var preActivationStages: [Tensor] = []

    public init(logits: Tensor, embedding: Tensor, stages: [Tensor], preActivationStages: [Tensor] = []) {
        self.logits = logits; self.embedding = embedding; self.stages = stages; self.preActivationStages = preActivationStages
    }
}

public final class Teacher {
    public let model: ReidModel
    public let config: ResolvedConfig
    /// SHA-256 of the weights: the checkpoint file's bytes for a loaded teacher, the state dict's
    /// values for an in-memory one. Identifies the teacher in the output cache, so a teacher
    /// retrained with the same config never reuses another's outputs.
    public let weightsDigest: String
    /// The forward on bf16 GEMMs with float32 accumulation (REIDKD_BF16=1; off by default).
    /// The cache key covers it through `numerics`.
    public var bf16 = BLAS.bf16Requested

    public static let float32 = "float32", bfloat16 = "bf16"
    /// The numbers the forward actually runs on: bf16 only when asked for and a bf16 kernel
    /// exists (BLAS.withBF16 runs float32 otherwise). Part of the teacher-output cache key.
    public var numerics: String { bf16 && BF16GEMM.isAvailable ? Teacher.bfloat16 : Teacher.float32 }

    public init(config: ResolvedConfig, weights: String, numClasses: Int) throws {
        self.config = config
        let spec = try ModelSpec(config: config, numClasses: numClasses, inputSize: config[\InputKeys.sizeTrain])
        model = try ReidModel(spec: spec, seed: UInt64(config[\RunKeys.seed]))
        try Checkpoint.load(into: model.stateDict(), from: weights)
        _ = model.eval()
        for p in model.parameters() { p.isFrozen = true; p.requiresGrad = false }
        // BN is not folded into the convs: in this no-grad eval forward each conv applies its BN
        // and ReLU to its output while in cache (ConvEpilogue, docs/TENSOR.md), bit-identical to
        // the unfused layers, with no folded copy of the weights to keep current.
        weightsDigest = try SHA256.file(at: weights).sha256
    }

    /// Wraps an in-memory model (tests, or a teacher trained in the same process).
    public init(model: ReidModel, config: ResolvedConfig) {
        self.model = model; self.config = config
        _ = model.eval()
        for p in model.parameters() { p.isFrozen = true; p.requiresGrad = false }
        weightsDigest = Teacher.digest(of: model.stateDict())
    }

    /// The teacher a student config names: KD.TEACHER_CONFIG (unless the caller passes the
    /// resolved teacher config, as a sweep does) with the weights of KD.TEACHER_WEIGHTS.
    public static func named(by student: ResolvedConfig, teacherConfig: ResolvedConfig? = nil, numClasses: Int) throws -> Teacher {
        let weights = student[\KDKeys.teacherWeights]
        let configFile = student[\KDKeys.teacherConfig]
        guard !weights.isEmpty else {
            throw TrainError("KD.METHOD \(student.peek(\KDKeys.method)) needs KD.TEACHER_WEIGHTS (and KD.TEACHER_CONFIG unless the checkpoint carries its config), or use `reidkd sweep`, which trains the teacher")
        }
        if let c = teacherConfig { return try Teacher(config: c, weights: weights, numClasses: numClasses) }
        if !configFile.isEmpty { return try Teacher(config: RunConfig.load(file: configFile), weights: weights, numClasses: numClasses) }
        // A checkpoint written by reidkd (train, sweep, import) carries its config.
        guard let carried = try Checkpoint.config(from: try Checkpoint.load(weights).metadata, path: weights, schema: RunConfig.schema) else {
            throw TrainError("\(weights) carries no config; set KD.TEACHER_CONFIG to the teacher's config file")
        }
        return try Teacher(config: carried, weights: weights, numClasses: numClasses)
    }

    /// SHA-256 over the names, shapes and float bytes of a state dict, in order.
    static func digest(of state: [(String, Tensor)]) -> String {
        var h = SHA256()
        for (name, t) in state {
            h.update(Array("\(name)\(t.shape)".utf8))
            h.update(UnsafeRawBufferPointer(start: t.pointer, count: t.count * 4))
        }
        return h.finalizeHex()
    }

    /// Per-channel (scale, shift) taking the student's normalised input to the teacher's, when
    /// their MODEL.PIXEL_MEAN/STD differ (an imported teacher trained with other statistics):
    /// x_t = (x_s · std_s + mean_s − mean_t) / std_t. Nil when they agree.
    public private(set) var inputAffine: (scale: Tensor, shift: Tensor)?

    /// Sets `inputAffine` for batches normalised as `student` says.
    public func matchInput(of student: ResolvedConfig) {
        let ms = student.peek(\ModelKeys.pixelMean), ss = student.peek(\ModelKeys.pixelStd)
        let mt = config.peek(\ModelKeys.pixelMean), st = config.peek(\ModelKeys.pixelStd)
        guard ms != mt || ss != st else { inputAffine = nil; return }
        inputAffine = (Tensor(shape: [1, 3, 1, 1], scalars: (0..<3).map { Float(ss[$0] / st[$0]) }),
                       Tensor(shape: [1, 3, 1, 1], scalars: (0..<3).map { Float((ms[$0] - mt[$0]) / st[$0]) }))
    }

    public func forward(_ images: Tensor, stages: Bool, preActivation: Bool = false) -> TeacherOutput {
        precondition(!model.isTraining, "teacher must stay in eval mode")
        return withNoGrad { BLAS.withBF16(bf16) {
            let x = inputAffine.map { images * $0.scale + $0.shift } ?? images
            let out = model.forward(x, targets: nil, preActivation: preActivation)
            return TeacherOutput(logits: model.heads.classLogits(out.head.postNeck), embedding: out.head.preNeck,
                                 stages: stages ? out.stages : [], preActivationStages: out.preActivationStages)
        } }
    }

    /// γ and β of the BN before each stage's final activation (Overhaul's margins).
    public var stageOutputNorms: [(gamma: [Float], beta: [Float])] {
        model.backbone.stageOutputNorms.map { ($0.weight.scalars, $0.bias.scalars) }
    }
}
