// `reidkd train`: one model from a config, outside a sweep. The teacher of a distilled run is
// the one KD.TEACHER_CONFIG and KD.TEACHER_WEIGHTS name; checkpoints, the evaluation files and
// the teacher-output cache go under OUTPUT_DIR.
import Foundation
import Config
import NN
import Data
import Eval

public enum StandaloneTraining {
    /// Builds the data, teacher and trainer of `config`; `log` receives the dataset table and
    /// the model line before training starts.
    public static func trainer(config c: ResolvedConfig, resume: Bool, maxIterations: Int?,
                               log: (String) -> Void) throws -> Trainer {
        let data = try TrainingData(config: c)
        log(data.dataset.statisticsTable)
        let kd = try KDConfig(config: c)
        let teacher = kd.needsGivenTeacher ? try Teacher.named(by: c, numClasses: data.dataset.numTrainPids) : nil
        let outputDir = c[\RunKeys.outputDir]
        var options = TrainerOptions(outputDir: outputDir)
        options.resume = resume
        options.maxIterations = maxIterations
        options.teacherCacheRoot = kd.cache ? "\(outputDir)/teacher-cache" : nil
        let trainer = try Trainer(config: c, data: data, teacher: teacher, options: options)
        let spec = trainer.model.spec
        let depth = spec.backbone == "resnet" ? "-\(spec.depth)" : ""   // depth means nothing to MobileNetV2
        log("model: \(spec.backbone)\(depth) ×\(spec.width), " +
            String(format: "%.2f M parameters", Double(trainer.model.parameters().reduce(0) { $0 + $1.count }) / 1e6))
        return trainer
    }
}
