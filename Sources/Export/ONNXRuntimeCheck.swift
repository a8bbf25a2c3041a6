// The ONNX parity check: runs model.onnx with Python's onnxruntime on a batch of images and
// compares the result with the native embedding of the same batch. onnxruntime is optional
// (PyPI, not a ReidKD dependency): when python3, numpy or onnxruntime cannot be imported the
// check reports itself skipped with the pip command that enables it. When the `onnx` package is
// importable the file is also validated by `onnx.checker.check_model(full_check=True)`.
import Foundation
import Tensor
import Eval

public struct ONNXParity: Sendable {
    /// nil when the check ran; otherwise why it was skipped.
    public var skipped: String?
    public var images = 0
    public var maxAbsDiff = Double.nan
    /// Smallest cosine similarity between an ONNX and a native embedding row.
    public var minCosine = Double.nan
    public var onnxruntimeVersion = ""
    /// "passed", "not run (…)", or "failed: …".
    public var checker = ""
    public static let tolerance = 1e-4
    public var passed: Bool { skipped == nil && maxAbsDiff <= ONNXParity.tolerance }

    public var summary: String {
        if let s = skipped { return "ONNX parity: skipped — \(s)" }
        return String(format: "ONNX parity (onnxruntime %@, %d images): max |Δ| = %.3g (tolerance %.0e) %@, min cosine %.8f; onnx.checker: %@",
                      onnxruntimeVersion, images, maxAbsDiff, ONNXParity.tolerance, passed ? "PASS" : "FAIL", minCosine, checker)
    }
}

public enum ONNXRuntimeCheck {
    public static let enableHint = "python3 -m pip install onnxruntime numpy (and onnx for the checker)"

    /// The Python interpreter: $REIDKD_PYTHON or python3 on the PATH.
    static var python: [String] {
        if let p = ProcessInfo.processInfo.environment["REIDKD_PYTHON"], !p.isEmpty { return [p] }
        return ["/usr/bin/env", "python3"]
    }

    /// nil when python3 can import numpy and onnxruntime, else the reason.
    public static func unavailableReason() -> String? {
        guard let r = try? runPython(["-c", "import numpy, onnxruntime"]) else {
            return "python3 cannot be run; install it and then \(enableHint)"
        }
        if r.status != 0 {
            let last = r.stderr.split(separator: "\n").last.map(String.init) ?? "import failed"
            return "\(last) — enable with: \(enableHint)"
        }
        return nil
    }

    /// Runs `onnxPath` on `images` (N, 3, H, W) and compares with `native` (N, D).
    public static func compare(onnxPath: String, images: Tensor, native: Tensor) throws -> ONNXParity {
        if let why = unavailableReason() { return ONNXParity(skipped: why) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reidkd-onnx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = "\(dir)/run.py", input = "\(dir)/images.npy", output = "\(dir)/embedding.npy"
        try pythonScript.write(toFile: script, atomically: true, encoding: .utf8)
        try Npy.write(images, to: input)
        let r = try runPython([script, onnxPath, input, output])
        guard r.status == 0 else {
            throw ExportError("onnxruntime could not run \(onnxPath): \(r.stderr.split(separator: "\n").suffix(3).joined(separator: " | "))")
        }
        let info = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        let ort = try Npy.read(output)
        guard ort.shape == native.shape else {
            throw ExportError("ONNX parity: onnxruntime returned shape \(ort.shape), the native model \(native.shape)")
        }
        var p = ONNXParity(skipped: nil, images: images.shape[0])
        p.onnxruntimeVersion = info["onnxruntime"] as? String ?? "?"
        p.checker = info["checker"] as? String ?? "?"
        p.maxAbsDiff = 0
        p.minCosine = 1
        let d = native.shape[1]
        for i in 0..<native.shape[0] {
            var dot = 0.0, na = 0.0, nb = 0.0
            for j in 0..<d {
                let a = Double(ort.pointer[i * d + j]), b = Double(native.pointer[i * d + j])
                p.maxAbsDiff = max(p.maxAbsDiff, abs(a - b))
                dot += a * b; na += a * a; nb += b * b
            }
            p.minCosine = min(p.minCosine, na > 0 && nb > 0 ? dot / (na * nb).squareRoot() : (na == nb ? 1 : 0))
        }
        return p
    }

    struct PythonResult { var status: Int32; var stdout: String; var stderr: String }

    /// Runs the interpreter with `args`; output goes through files (no pipe-buffer deadlock).
    static func runPython(_ args: [String]) throws -> PythonResult {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("reidkd-py-\(UUID().uuidString)").path
        fm.createFile(atPath: base + ".out", contents: nil); fm.createFile(atPath: base + ".err", contents: nil)
        defer { try? fm.removeItem(atPath: base + ".out"); try? fm.removeItem(atPath: base + ".err") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python[0])
        p.arguments = Array(python.dropFirst()) + args
        p.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        p.standardError = FileHandle(forWritingAtPath: base + ".err")
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return PythonResult(status: p.terminationStatus,
                            stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                            stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// argv: model.onnx images.npy out.npy → writes the `embedding` output; prints a JSON line.
    static let pythonScript = """
    import json, sys
    import numpy as np
    import onnxruntime as ort
    model, inp, out = sys.argv[1:4]
    try:
        import onnx
        try:
            onnx.checker.check_model(onnx.load(model), full_check=True)
            checker = "passed (onnx " + onnx.__version__ + ")"
        except Exception as e:
            checker = "failed: " + str(e).splitlines()[0]
    except ImportError:
        checker = "not run (pip install onnx)"
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    y = sess.run(["embedding"], {"images": np.load(inp).astype(np.float32)})[0]
    np.save(out, y)
    print(json.dumps({"onnxruntime": ort.__version__, "checker": checker}))
    """
}
