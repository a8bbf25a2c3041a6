// End-to-end: a tiny ResNet overfits a tiny batch with CE + triplet and plain SGD.
import XCTest
import TestSupport
@testable import NN
import Tensor

final class OverfitTests: XCTestCase {
    func testTinyResNetOverfitsTinyBatch() throws {
        let model = try ReidModel(spec: tinySpec { $0.numClasses = 4 }, seed: 11)
        var spec = LossSpec()
        spec.ceEpsilon = 0
        let loss = try ReidLoss(spec: spec)
        let x = randomTensor([8, 3, 32, 16], seed: 12, requiresGrad: false)
        let y = [0, 0, 1, 1, 2, 2, 3, 3]
        var first: Float = 0, last: Float = 0
        var lastLogits: Tensor? = nil
        for step in 0..<40 {
            model.zeroGrad()
            let out = model.forward(x, targets: y)
            let d = loss(out, targets: y)
            let total = d.total
            if step == 0 { first = total.item() }
            last = total.item(); lastLogits = out.logits
            total.backward()
            for p in model.trainableParameters() {
                guard let g = p.grad else { continue }
                for i in 0..<p.count { p.pointer[i] -= 0.05 * g.pointer[i] }
            }
        }
        XCTAssertLessThan(last, 0.1 * first, "loss \(first) → \(last)")
        let logits = lastLogits!.scalars
        for (i, label) in y.enumerated() {
            let row = Array(logits[(i * 4)..<(i * 4 + 4)])
            XCTAssertEqual(row.firstIndex(of: row.max()!), label, "sample \(i)")
        }
    }
}
