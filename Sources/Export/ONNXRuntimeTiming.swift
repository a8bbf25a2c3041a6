// How fast onnxruntime runs an exported model on this machine (for `reidkd-bench export`):
// median seconds per `session.run` on a random float32 batch, timed inside Python so that
// process start and data transfer are not counted. nil when onnxruntime is not importable.
import Foundation

extension ONNXRuntimeCheck {
    public static func medianSeconds(onnxPath: String, inputShape: [Int], reps: Int = 10, threads: Int = 2) throws -> Double? {
        guard unavailableReason() == nil else { return nil }
        let script = """
        import json, sys, time
        import numpy as np
        import onnxruntime as ort
        path, shape, reps, threads = sys.argv[1], [int(s) for s in sys.argv[2].split(",")], int(sys.argv[3]), int(sys.argv[4])
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        sess.run(["embedding"], {"images": x})
        t = []
        for _ in range(reps):
            t0 = time.perf_counter(); sess.run(["embedding"], {"images": x}); t.append(time.perf_counter() - t0)
        t.sort()
        print(json.dumps({"median": t[len(t) // 2]}))
        """
        let r = try runPython(["-c", script, onnxPath, inputShape.map(String.init).joined(separator: ","), String(reps), String(threads)])
        guard r.status == 0, let obj = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
              let median = obj["median"] as? Double else {
            throw ExportError("onnxruntime timing of \(onnxPath) failed: \(r.stderr.split(separator: "\n").suffix(2).joined(separator: " | "))")
        }
        return median
    }
}
