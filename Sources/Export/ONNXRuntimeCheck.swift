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
    /// Within tolerance, and not rejected by onnx.checker (a file the checker refuses may not
    /// load in other runtimes even when this onnxruntime accepts it).
    public var passed: Bool { skipped == nil && maxAbsDiff <= ONNXParity.tolerance && !checker.hasPrefix("failed") }

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

    /// nil when python3 can import numpy and onnxruntime, else the reason (probed once per process).
    public static func unavailableReason() -> String? { availability }

    private static let availability: String? = {
        guard let r = try? runPython(["-c", "import numpy, onnxruntime"]) else {
            return "python3 cannot be run; install it and then \(enableHint)"
        }
        if r.status != 0 {
            let last = r.stderr.split(separator: "\n").last.map(String.init) ?? "import failed"
            return "\(last) — enable with: \(enableHint)"
        }
        return nil
    }()

    /// One case of a parity run: an ONNX file, an (N, 3, H, W) batch and the native (N, D) embeddings.
    public struct Case {
        public var onnxPath: String, images: Tensor, native: Tensor
        public init(onnxPath: String, images: Tensor, native: Tensor) { self.onnxPath = onnxPath; self.images = images; self.native = native }
    }

    /// Runs `onnxPath` on `images` (N, 3, H, W) and compares with `native` (N, D).
    public static func compare(onnxPath: String, images: Tensor, native: Tensor) throws -> ONNXParity {
        try compare([Case(onnxPath: onnxPath, images: images, native: native)])[0]
    }

    /// Several models in one Python process (interpreter and onnxruntime start once).
    public static func compare(_ cases: [Case]) throws -> [ONNXParity] {
        if let why = unavailableReason() { return cases.map { _ in ONNXParity(skipped: why) } }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reidkd-onnx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = "\(dir)/run.py"
        try pythonScript.write(toFile: script, atomically: true, encoding: .utf8)
        var args = [script]
        for (i, c) in cases.enumerated() {
            try Npy.write(c.images, to: "\(dir)/images\(i).npy")
            args += [c.onnxPath, "\(dir)/images\(i).npy", "\(dir)/embedding\(i).npy"]
        }
        let r = try runPython(args)
        guard r.status == 0 else {
            throw ExportError("onnxruntime could not run \(cases.map(\.onnxPath).joined(separator: ", ")): \(r.stderr.split(separator: "\n").suffix(3).joined(separator: " | "))")
        }
        let infos = r.stdout.split(separator: "\n").map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
        return try cases.enumerated().map { i, c in
            let ort = try Npy.read("\(dir)/embedding\(i).npy")
            guard ort.shape == c.native.shape else {
                throw ExportError("ONNX parity: onnxruntime returned shape \(ort.shape) for \(c.onnxPath), the native model \(c.native.shape)")
            }
            let info = i < infos.count ? infos[i] : [:]
            var p = ONNXParity(skipped: nil, images: c.images.shape[0])
            p.onnxruntimeVersion = info["onnxruntime"] as? String ?? "?"
            p.checker = info["checker"] as? String ?? "?"
            (p.maxAbsDiff, p.minCosine) = difference(ort, c.native)
            return p
        }
    }

    /// max |a − b| and the smallest row cosine of two (N, D) tensors.
    static func difference(_ a: Tensor, _ b: Tensor) -> (Double, Double) {
        var maxDiff = 0.0, minCos = 1.0
        let d = b.shape[1]
        for i in 0..<b.shape[0] {
            var dot = 0.0, na = 0.0, nb = 0.0
            for j in 0..<d {
                let x = Double(a.pointer[i * d + j]), y = Double(b.pointer[i * d + j])
                maxDiff = max(maxDiff, abs(x - y))
                dot += x * y; na += x * x; nb += y * y
            }
            minCos = min(minCos, na > 0 && nb > 0 ? dot / (na * nb).squareRoot() : (na == nb ? 1 : 0))
        }
        return (maxDiff, minCos)
    }

    struct PythonResult { var status: Int32; var stdout: String; var stderr: String }

    /// Runs the interpreter with `args`; output goes through files (no pipe-buffer deadlock).
    static func runPython(_ args: [String]) throws -> PythonResult {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("reidkd-py-\(UUID().uuidString)").path
        _ = fm.createFile(atPath: base + ".out", contents: nil); _ = fm.createFile(atPath: base + ".err", contents: nil)
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

    /// argv: (model.onnx images.npy out.npy)+ → writes each `embedding` output; prints one JSON line per model.
    static let pythonScript = """
    import json, sys
    import numpy as np
    import onnxruntime as ort
    try:
        import onnx
    except ImportError:
        onnx = None
    args = sys.argv[1:]
    for k in range(0, len(args), 3):
        model, inp, out = args[k:k + 3]
        if onnx is None:
            checker = "not run (pip install onnx)"
        else:
            try:
                onnx.checker.check_model(onnx.load(model), full_check=True)
                checker = "passed (onnx " + onnx.__version__ + ")"
            except Exception as e:
                checker = "failed: " + str(e).splitlines()[0]
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
        y = sess.run(["embedding"], {"images": np.load(inp).astype(np.float32)})[0]
        np.save(out, y)
        print(json.dumps({"onnxruntime": ort.__version__, "checker": checker}))
    """
}
