// A distillation term: the extension point of the product. Each term is one file declaring its
// registry entry — name, help, the key groups it reads (its KD.* keys, with defaults, ranges and
// help), what it needs from the teacher and the student — and the built term: its trainable
// bridges (projectors, adapters, memory banks) and its loss. KD.METHOD's help, validation, the
// objective, the teacher-output cache decision, the report's weight columns and the model card
// all read the registry (DistillTermRegistry.swift). A new term is one file + one registry line.
import Tensor
import Config
import NN

/// What a term needs from the two networks for each batch.
public struct TermNeeds: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Teacher and student class logits over the same classes (s·raw, margin-free).
    public static let logits = TermNeeds(rawValue: 1)
    /// The pooled pre-neck embeddings (B, D).
    public static let embedding = TermNeeds(rawValue: 2)
    /// Backbone stage maps after each stage's final ReLU (B, C, H, W).
    public static let stages = TermNeeds(rawValue: 4)
    /// Backbone stage maps before each stage's final ReLU (Overhaul's pre-ReLU features).
    public static let preReLUStages = TermNeeds(rawValue: 8)
    /// The dataset indices of the batch's samples (memory banks indexed by sample).
    public static let sampleIndices = TermNeeds(rawValue: 16)

    /// Outputs the teacher-output cache holds (logits and embedding); a term needing anything
    /// else runs the teacher online.
    public var isCacheable: Bool { subtracting([.logits, .embedding, .sampleIndices]).isEmpty }
}

/// The two networks' shapes a term is built for.
public struct TermContext {
    public let studentEmbed: Int, teacherEmbed: Int
    public let studentClasses: Int, teacherClasses: Int
    public let studentStageChannels: [Int], teacherStageChannels: [Int]
    /// Training samples (memory banks size themselves by it).
    public let trainingSamples: Int
    /// γ and β of the teacher's BN before each stage's final activation.
    public let teacherStageNorms: [(gamma: [Float], beta: [Float])]

    public init(studentEmbed: Int, teacherEmbed: Int, studentClasses: Int, teacherClasses: Int,
                studentStageChannels: [Int], teacherStageChannels: [Int], trainingSamples: Int,
                teacherStageNorms: [(gamma: [Float], beta: [Float])] = []) {
        self.studentEmbed = studentEmbed; self.teacherEmbed = teacherEmbed
        self.studentClasses = studentClasses; self.teacherClasses = teacherClasses
        self.studentStageChannels = studentStageChannels; self.teacherStageChannels = teacherStageChannels
        self.trainingSamples = trainingSamples; self.teacherStageNorms = teacherStageNorms
    }
}

/// What a built term sees of one batch.
public struct TermBatch {
    public let student: ReidOutput
    public let teacher: TeacherOutput
    /// The batch's class labels (training pids).
    public let targets: [Int]
    /// Dataset indices of the batch's samples (for `.sampleIndices` terms).
    public let sampleIndices: [Int]
    /// Training progress in [0, 1] (for terms that ramp in).
    public let progress: Double
    /// The training iteration (keys per-step randomness, so a resumed run draws the same).
    public let iteration: Int
}

/// A term built for one run.
public protocol DistillTerm: AnyObject {
    /// Trainable bridge parameters ("distill.<term>.<name>"), optimised with the student and
    /// never exported with it.
    var namedParameters: [(String, Parameter)] { get }
    /// State that is not optimised but must survive a resume (memory banks), "distill.<term>.*".
    var namedBuffers: [(String, Tensor)] { get }
    /// Adds the term's weighted loss(es) to `losses`, named loss_<…>.
    func addLoss(to losses: inout LossDict, _ batch: TermBatch)
}

extension DistillTerm {
    public var namedBuffers: [(String, Tensor)] { [] }
}

/// One registry line's worth: everything the rest of ReidKD knows about a term.
public struct DistillTermEntry {
    public let name: String
    public let help: String
    /// The key groups the term reads (a group shared by several terms is listed by each).
    public let keys: [any ConfigKeyGroup.Type]
    public let needs: TermNeeds
    /// Keys that tell two runs of the term apart in a report (weights, temperature …).
    public let reportKeys: [String]
    /// Reads the term's keys and builds it; throws a clear error when the two networks cannot
    /// be bridged.
    public let make: (ResolvedConfig, TermContext, inout RandomGenerator) throws -> any DistillTerm
    /// A short description of its settings for the model card ("T = 4"), from the config.
    public let describe: (ResolvedConfig) -> String?

    public init(name: String, help: String, keys: [any ConfigKeyGroup.Type], needs: TermNeeds, reportKeys: [String],
                describe: @escaping (ResolvedConfig) -> String? = { _ in nil },
                make: @escaping (ResolvedConfig, TermContext, inout RandomGenerator) throws -> any DistillTerm) {
        self.name = name; self.help = help; self.keys = keys; self.needs = needs; self.reportKeys = reportKeys
        self.describe = describe; self.make = make
    }
}

/// A linear projector P (D_t × D_s) when the embedding widths differ, else nil.
func embeddingProjector(_ ctx: TermContext, rng: inout RandomGenerator) -> Parameter? {
    guard ctx.studentEmbed != ctx.teacherEmbed else { return nil }
    let std = Float(1 / Double(ctx.studentEmbed).squareRoot())
    return Parameter(Tensor.randn([ctx.teacherEmbed, ctx.studentEmbed], std: std, rng: &rng))
}

/// Margin-free student logits s·(raw): what the teacher's logits are comparable with.
func studentLogits(_ out: ReidOutput) -> Tensor {
    out.head.predLogits ?? out.head.logits!
}
