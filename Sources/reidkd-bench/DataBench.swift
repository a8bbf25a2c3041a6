// Data pipeline throughput: synthetic generation, PNG decode, and the batch loader (PK sampler,
// bagtricks augmentation, batch 64) cold (decoding every image) and warm (decoded-image cache),
// at the two CPU-demo input sizes. The loader must stay ≥ 3× faster than the reference student's
// training step so data never starves training; the student's speed is not measured here.
import Data
import Foundation
import Tensor

enum DataBench {
    static func run(markdown: Bool) {
        let root = NSTemporaryDirectory() + "reidkd-bench-data-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var table = Table(["data step", "images", "time (s)", "images/s", "CPU s / 1000 images"])
        for (h, w) in [(64, 32), (128, 64)] {
            var cfg = SynthConfig()
            cfg.ids = 100; cfg.imagesPerId = 8; cfg.height = h; cfg.width = w; cfg.distractors = 0; cfg.junk = 0
            let dir = root + "/\(h)x\(w)"
            var summary: SynthSummary? = nil
            let (tGen, cGen) = measure { summary = try? SynthGenerator(cfg).write(to: dir, overwrite: true) }
            guard let s = summary, let ds = try? DatasetLayouts.load("market1501", root: dir) else {
                print("data bench: synthetic generation failed in \(dir)"); return
            }
            let n = s.trainImages + s.queryImages + s.galleryImages
            table.add(row("synth generate \(h)×\(w) (render + PNG encode + write)", n, tGen, cGen))
            let paths = ds.train.map(\.path)
            let (tDec, cDec) = measure { for p in paths { _ = try? ImageIO.load(p) } }
            table.add(row("PNG read + decode \(h)×\(w), 1 thread", paths.count, tDec, cDec))

            guard let t = try? TransformPipeline(.train(height: h, width: w), seed: 1),
                  let sampler = try? PKSampler(pids: ds.train.map(\.pid), p: 16, k: 4, seed: 1) else { return }
            let loader = BatchLoader(records: ds.train, transform: t)
            let images = sampler.batchesPerEpoch * sampler.batchSize
            let (tCold, cCold) = measure { drain(loader.epoch(0, sampler: sampler)) }
            table.add(row("loader \(h)×\(w) batch 64, cold (decode + augment)", images, tCold, cCold))
            // Warm: 10 more epochs from the filled cache, timed together (one epoch is ~10 ms).
            let (tWarm, cWarm) = measure { for e in 1...10 { drain(loader.epoch(e, sampler: sampler)) } }
            table.add(row("loader \(h)×\(w) batch 64, warm (cached, augment only)", 10 * images, tWarm, cWarm))
        }
        print("Data pipeline (wall time; CPU column = process CPU seconds over all threads)")
        print(table.render(markdown: markdown))
    }

    static func drain(_ it: BatchIterator) {
        do { while try it.next() != nil {} } catch { print("data bench: \(error)") }
    }

    static func row(_ name: String, _ n: Int, _ t: Double, _ cpu: Double) -> [String] {
        [name, "\(n)", fmt(t, 2), fmt(Double(n) / t, 0), fmt(cpu / Double(n) * 1000, 2)]
    }

    /// Wall and CPU seconds of one run.
    static func measure(_ body: () -> Void) -> (Double, Double) {
        func cpu() -> Double {
            var u = rusage()
            getrusage(RUSAGE_SELF.rawValue, &u)
            return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6
        }
        let w0 = Double(DispatchTime.now().uptimeNanoseconds) * 1e-9, c0 = cpu()
        body()
        return (Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 - w0, cpu() - c0)
    }
}
