// Writes the synthetic re-id dataset as a Market-1501 layout of PNGs. Every image is a pure
// function of (seed, identity, image index), so the output is byte-identical for a seed whatever
// the thread count. Pids are shuffled so near-duplicate groups spread over train and test.
import Foundation
import Support
import Tensor

public struct SynthSummary: Sendable {
    public var root: String
    public var trainImages = 0, queryImages = 0, galleryImages = 0, distractors = 0, junk = 0
    public var trainIds = 0, testIds = 0
    public var seconds: Double = 0
}

public struct SynthGenerator: Sendable {
    public let config: SynthConfig

    public init(_ config: SynthConfig) { self.config = config }

    enum Split: String { case train = "bounding_box_train", query, gallery = "bounding_box_test" }

    struct Job {
        var identity: Int?       // index into identities; nil for distractor/junk
        var pid: Int
        var camera: Int          // 0-based
        var split: Split
        var key: [UInt64]        // RNG key of the image
        var junk = false
    }

    /// pid − 1 of each identity index (shuffled so groups spread over train and test).
    func pidPermutation() -> [Int] {
        var rng = RandomGenerator(seed: config.seed, key: [4])
        return rng.permutation(config.ids)
    }

    /// The full list of images to draw, in a fixed order.
    func jobs() -> [Job] {
        let cfg = config
        let perm = pidPermutation()
        let nTrain = cfg.ids / 2
        var jobs: [Job] = []
        for i in 0..<cfg.ids {
            let pid = perm[i] + 1
            let train = pid <= nTrain
            var rng = RandomGenerator(seed: cfg.seed, key: [2, UInt64(i)])
            // 2…cameras cameras, each with ≥ 2 images so that every query has a gallery match in another camera.
            let k = 2 + rng.int(below: min(cfg.cameras, cfg.imagesPerId / 2) - 1)
            let cams = Array(rng.permutation(cfg.cameras).prefix(k)).sorted()
            var seenCam = Set<Int>()
            for j in 0..<cfg.imagesPerId {
                let cam = cams[j % k]
                let split: Split = train ? .train : (seenCam.insert(cam).inserted ? .query : .gallery)
                jobs.append(Job(identity: i, pid: pid, camera: cam, split: split, key: [3, UInt64(i), UInt64(j)]))
            }
        }
        for d in 0..<cfg.distractors {
            jobs.append(Job(identity: nil, pid: 0, camera: d % cfg.cameras, split: .gallery, key: [5, UInt64(d)]))
        }
        for d in 0..<cfg.junk {
            jobs.append(Job(identity: nil, pid: -1, camera: d % cfg.cameras, split: .gallery, key: [6, UInt64(d)], junk: true))
        }
        return jobs
    }

    /// Renders image `job` (exposed for tests and the benchmark).
    func render(_ job: Job, identities: [SynthIdentity], cameras: [SynthCamera]) -> RGBImage {
        let cfg = config
        var rng = RandomGenerator(seed: cfg.seed, key: job.key)
        let cam = cameras[job.camera]
        var shot = SynthRender.shot(camera: cam, cfg: cfg, rng: &rng)
        var person: SynthIdentity? = job.identity.map { identities[$0] }
        if job.pid == 0 {
            // A distractor: somebody who is none of the identities (drawn from its own stream);
            // half are empty background boxes as in Market's pid-0 detections.
            person = rng.bernoulli(0.5) ? SynthIdentity.random(&rng, palette: cfg.paletteSize, group: -1) : nil
        }
        if job.junk {
            // A bad detection: the box catches only a part of a person.
            person = SynthIdentity.random(&rng, palette: cfg.paletteSize, group: -1)
            shot.shiftX = rng.bernoulli(0.5) ? rng.uniform(0.4, 0.6) : -rng.uniform(0.4, 0.6)
            shot.scale = rng.uniform(1.3, 1.8)
        }
        return SynthRender.image(person: person, shot: shot, camera: cam, cfg: cfg, rng: &rng)
    }

    /// Market-1501 file name: pid_cCAMsSEQ_FRAME_BOX.png (pid −1 written as "-1").
    static func fileName(pid: Int, camera: Int, frame: Int) -> String {
        let p = pid < 0 ? "-1" : String(format: "%04d", pid)
        return String(format: "%@_c%ds1_%06d_01.png", p, camera + 1, frame)
    }

    /// Generates the dataset under `root` (created if missing; must be empty unless `overwrite`).
    @discardableResult
    public func write(to root: String, overwrite: Bool = false) throws -> SynthSummary {
        try config.validate()
        let t0 = Date()
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: root), !existing.filter({ !$0.hasPrefix(".") }).isEmpty {
            if !overwrite { throw DataError(.writeFailed, path: root, "output folder is not empty; choose an empty folder or pass --force to replace the generated data") }
            for n in [Split.train.rawValue, Split.query.rawValue, Split.gallery.rawValue, "synth_config.txt", "identities.tsv"] {
                try? fm.removeItem(atPath: (root as NSString).appendingPathComponent(n))
            }
        }
        for s in [Split.train, .query, .gallery] {
            let dir = (root as NSString).appendingPathComponent(s.rawValue)
            do { try FileSystem.createFolder(dir) } catch { throw DataError(.writeFailed, path: "", "\(error)") }
        }
        let identities = SynthIdentity.all(config)
        let cameras = (0..<config.cameras).map { SynthCamera(seed: config.seed, index: $0, strength: config.cameraStrength) }
        let jobs = self.jobs()
        let failures = FailureBox()
        Parallel.forRange(jobs.count, grain: 16) { range in
            for j in range where !failures.failed {
                let job = jobs[j]
                let img = render(job, identities: identities, cameras: cameras)
                let path = ((root as NSString).appendingPathComponent(job.split.rawValue) as NSString)
                    .appendingPathComponent(Self.fileName(pid: job.pid, camera: job.camera, frame: j))
                do { try ImageIO.savePNG(img, to: path, fast: true) } catch { failures.record(error) }
            }
        }
        if let e = failures.first { throw e }
        var idLines = [SynthIdentity.tsvHeader]
        let perm = pidPermutation()
        for (i, id) in identities.enumerated() { idLines.append("\(perm[i] + 1)\t\(id.tsv)") }
        do {
            try (config.description + "\n").write(toFile: (root as NSString).appendingPathComponent("synth_config.txt"), atomically: true, encoding: .utf8)
            try (idLines.joined(separator: "\n") + "\n").write(toFile: (root as NSString).appendingPathComponent("identities.tsv"), atomically: true, encoding: .utf8)
        } catch { throw DataError(.writeFailed, path: root, "cannot write metadata: \(FileSystem.reason(error, path: root + "/identities.tsv"))") }

        var s = SynthSummary(root: root)
        for j in jobs {
            if j.pid == 0 { s.distractors += 1 } else if j.pid < 0 { s.junk += 1 }
            switch j.split { case .train: s.trainImages += 1; case .query: s.queryImages += 1; case .gallery: s.galleryImages += 1 }
        }
        s.trainIds = config.ids / 2
        s.testIds = config.ids - config.ids / 2
        s.seconds = Date().timeIntervalSince(t0)
        return s
    }
}

/// First error raised by any worker.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }
    var first: Error? { lock.lock(); defer { lock.unlock() }; return error }
    func record(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}
