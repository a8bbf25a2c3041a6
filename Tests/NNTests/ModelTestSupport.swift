// Small builders for the model/loss tests (gradient checks come from TestSupport).
import XCTest
import Config
@testable import NN
import Tensor

/// A small model spec for fast tests: ResNet-18 layout at width 1/8 (8-16-32-64 channels).
func tinySpec(_ edit: (inout ModelSpec) -> Void = { _ in }) -> ModelSpec {
    var s = ModelSpec()
    s.depth = 18; s.width = 0.125; s.numClasses = 5; s.inputSize = [32, 16]
    edit(&s)
    return s
}

/// The keys NN owns (MODEL.*, MODEL.LOSSES.*, SOLVER.*), for configs in NN's own tests.
let nnSchema = ConfigSchema(groups: [ModelKeys.self, LossKeys.self, SolverKeys.self])
