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
        guard !weights.isEmpty, teacherConfig != nil || !configFile.isEmpty else {
            throw TrainError("KD.METHOD \(student.peek(\KDKeys.method)) needs KD.TEACHER_CONFIG and KD.TEACHER_WEIGHTS (or use `reidkd sweep`, which trains the teacher)")
        }
        return try Teacher(config: teacherConfig ?? RunConfig.load(file: configFile), weights: weights, numClasses: numClasses)
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

    public func forward(_ images: Tensor, stages: Bool, preActivation: Bool = false) -> TeacherOutput {
        precondition(!model.isTraining, "teacher must stay in eval mode")
        return withNoGrad { BLAS.withBF16(bf16) {
            let out = model.forward(images, targets: nil, preActivation: preActivation)
            return TeacherOutput(logits: model.heads.classLogits(out.head.postNeck), embedding: out.head.preNeck,
                                 stages: stages ? out.stages : [], preActivationStages: out.preActivationStages)
        } }
    }

    /// γ and β of the BN before each stage's final activation (Overhaul's margins).
    public var stageOutputNorms: [(gamma: [Float], beta: [Float])] {
        model.backbone.stageOutputNorms.map { ($0.weight.scalars, $0.bias.scalars) }
    }
}
