// Parity with FastReID's own eval-mode outputs (issue 18): every row of
// Fixtures/fastreid/manifest.json — a model built by FastReID 1.4's build_model with random
// weights and BN statistics, saved in the zip or legacy format, its config, inputs already at
// SIZE_TEST (RGB 0–255) and FastReID's output — is imported and run here on the same inputs with
// FastReID's preprocessing ((x − PIXEL_MEAN) / PIXEL_STD). Max |Δ| must be ≤ 1e-4 × max |f|.
// REIDKD_FASTREID_FIXTURES=DIR adds the rows of another fixture folder (the script's --full).
import XCTest
import Foundation
import Tensor
import NN
import Eval
@testable import Interop

struct ParityRow: Decodable {
    let name, checkpoint, config, format, dtype, input, output, describes: String
    let input_size: [Int]
    let max_abs_output: Double
}

struct ParityManifest: Decodable { let rows: [ParityRow] }

enum Parity {
    /// Imports `row` from `dir`, runs it on the row's inputs; returns (max |Δ|, max |f|, output dim).
    static func measure(_ row: ParityRow, in dir: String, stemPool: String? = nil) throws -> (delta: Float, scale: Float, dim: Int) {
        var imported = try FastReIDImport.importModel(checkpoint: "\(dir)/\(row.checkpoint)", config: "\(dir)/\(row.config)", allowMissing: false)
        if let s = stemPool { imported.overrides.append(("MODEL.BACKBONE.STEM_POOL", s)) }
        let (model, config) = try imported.model()
        let flat = try Npy.read("\(dir)/\(row.input)")
        let (h, w) = (row.input_size[0], row.input_size[1])
        let x = flat.reshaped([flat.shape[0], 3, h, w])
        let mean = config[\ModelKeys.pixelMean].map(Float.init), std = config[\ModelKeys.pixelStd].map(Float.init)
        let xp = x.pointer
        for n in 0..<x.shape[0] { for c in 0..<3 { for i in 0..<(h * w) {
            let k = (n * 3 + c) * h * w + i
            xp[k] = (xp[k] - mean[c]) / std[c]
        } } }
        let y = withNoGrad { model(x) }
        let expected = try Npy.read("\(dir)/\(row.output)")
        guard y.shape == expected.shape else { throw InteropError(path: row.name, "output shape \(y.shape), FastReID's \(expected.shape)") }
        let d = zip(y.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
        let f = expected.scalars.map(abs).max() ?? 0
        return (d, f, y.shape[1])
    }

    static func rows(in dir: String) throws -> [ParityRow] {
        try JSONDecoder().decode(ParityManifest.self, from: Data(contentsOf: URL(fileURLWithPath: "\(dir)/manifest.json"))).rows
    }
}

final class FastReIDParityTests: XCTestCase {
    func check(_ dir: String) throws {
        let rows = try Parity.rows(in: dir)
        XCTAssertFalse(rows.isEmpty)
        var table: [String] = ["| row | format | dtype | input | dim | max abs f | max abs delta | delta / max f |", "|---|---|---|---|---|---|---|---|"]
        for row in rows {
            let (d, f, dim) = try Parity.measure(row, in: dir)
            XCTAssertLessThanOrEqual(d, 1e-4 * f, "\(row.name): max |Δ| \(d) vs max |f| \(f)")
            XCTAssertEqual(Double(f), row.max_abs_output, accuracy: 1e-4 * row.max_abs_output)
            table.append("| \(row.name) | \(row.format) | \(row.dtype) | \(row.input_size[0])×\(row.input_size[1]) | \(dim) | "
                         + String(format: "%.3g | %.2g | %.1e |", f, d, d / f))
        }
        print(table.joined(separator: "\n"))
    }

    func testEveryRowMatchesFastReID() throws { try check(InteropFixtures.directory) }

    func testExtraFixtureFolder() throws {
        guard let dir = ProcessInfo.processInfo.environment["REIDKD_FASTREID_FIXTURES"] else {
            throw XCTSkip("set REIDKD_FASTREID_FIXTURES to a folder written by Scripts/fastreid_fixtures.py --full")
        }
        try check(dir)
    }

    /// The stem matters: the same weights with torchvision's max pool give other embeddings
    /// (and, on the odd 66×34 input, other map sizes), so the parity above could not pass by chance.
    func testTheStemPoolIsWhatMakesTheRowsMatch() throws {
        let rows = try Parity.rows(in: InteropFixtures.directory)
        for name in ["r18", "r18-ls2", "r50-ibn"] {
            let row = rows.first { $0.name == name }!
            let (d, f, _) = try Parity.measure(row, in: InteropFixtures.directory, stemPool: "torchvision")
            XCTAssertGreaterThan(d, 1e-2 * f, "\(name): torchvision's stem pool should not match FastReID")
        }
    }
}
