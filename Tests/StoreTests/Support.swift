// Helpers for the store tests: a fresh temporary directory per test and a small run plan.
import XCTest
import Foundation
@testable import Store

func tempDir(_ name: String = #function) -> String {
    let clean = name.filter { $0.isLetter || $0.isNumber }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reidkd-store-\(clean)-\(UUID().uuidString.prefix(8))").path
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A plan like a sweep's: one teacher, then `students` students alternating baseline / KD.
func plan(students: Int, seedBase: Int = 0) -> [RunSpec] {
    var out = [RunSpec(name: "teacher", role: .teacher, config: #"{"model":"resnet50"}"#, configHash: "t-hash", seed: 0,
                       params: ["model.backbone": "resnet50", "train.epochs": "2"], codeVersion: "abc123", datasetFingerprint: "ds1")]
    for i in 0..<students {
        let kd = i % 2 == 1
        out.append(RunSpec(name: "student-\(i)", role: kd ? .student : .baseline,
                           config: #"{"model":"resnet18","i":\#(i)}"#, configHash: "s-hash-\(i)", seed: seedBase + i,
                           params: ["model.backbone": "resnet18", "train.epochs": "2", "kd.method": kd ? "logit" : "none",
                                    "kd.temperature": kd ? "4" : "-", "seed": "\(seedBase + i)"],
                           codeVersion: "abc123", datasetFingerprint: "ds1"))
    }
    return out
}

func message(_ body: () throws -> Any) -> String {
    do { _ = try body(); return "" } catch { return "\(error)" }
}
