// The teacher-output cache. Augmentations are pure functions of (seed, epoch, sample index), so
// the frozen teacher's outputs for a given augmented sample are identical for every student of
// a sweep that feeds the teacher the same samples: compute them once, keep them on disk, and
// let N students pay one teacher forward.
//
// A row is looked up by its position in the epoch, so the key must pin down everything that
// decides which image sits at that position and how it was augmented (TeacherCacheKey). One
// file per epoch under
//   <root>/<key digest>/epoch<E>.tcache      and <root>/<key digest>/key.json (what the digest covers)
// layout (little-endian, memory-mapped with MAP_SHARED so concurrent workers see each other's
// entries):
//   header  64 bytes: magic "RKDTCv1\0", samples, logitDim, embedDim (Int64 each), zero pad
//   present `samples` bytes, 1 when the sample's row is written (set after the row)
//   rows    samples × (logitDim + embedDim) float32, padded to a 64-byte boundary first
// A row is only read when its present byte is 1; two writers of the same row write the same
// values (same teacher, same augmented input), so races are harmless.
import Foundation
import Tensor
import Support
import Config
import NN
import Data
#if canImport(Glibc)
import Glibc
#endif

/// What a cached row depends on: the teacher's weights (SHA-256 of its checkpoint bytes), the
/// numbers its forward runs on (float32 or bf16 GEMMs, `Teacher.numerics`), its MODEL.* keys (pixel
/// statistics, head scale …: the same weights under another config give other outputs), the dataset's
/// content fingerprint, and every key that decides the augmented input at a sample position —
/// all of INPUT.* and DATALOADER.* (sampler, K), the batch size, the seed and the pixel
/// normalisation. A change in any of them gives another cache folder.
public struct TeacherCacheKey: Hashable, Sendable {
    public var teacherWeights: String
    /// "float32", or "bf16" when the teacher's GEMMs run on bf16 inputs (REIDKD_BF16=1): its
    /// outputs differ by up to ~1e-2 relative, so the two never share rows.
    public var teacherNumerics: String
    /// Canonical JSON of the teacher config's hashed MODEL.* keys.
    public var teacherModel: String
    public var datasetFingerprint: String
    /// Canonical JSON of the input-pipeline keys, as the student's config sets them.
    public var pipeline: String

    public init(teacherWeights: String, teacherNumerics: String = Teacher.float32, teacherModel: String = "{}", datasetFingerprint: String, pipeline: String) {
        self.teacherWeights = teacherWeights; self.teacherNumerics = teacherNumerics; self.teacherModel = teacherModel
        self.datasetFingerprint = datasetFingerprint; self.pipeline = pipeline
    }

    /// The key of `student`'s run against `teacher` on a dataset with this fingerprint.
    public init(teacher: Teacher, datasetFingerprint: String, student c: ResolvedConfig) {
        self.init(teacherWeights: teacher.weightsDigest, teacherNumerics: teacher.numerics,
                  teacherModel: teacher.config.canonicalJSON(keys: TeacherCacheKey.modelKeys(of: teacher.config)), datasetFingerprint: datasetFingerprint,
                  pipeline: c.canonicalJSON(keys: TeacherCacheKey.pipelineKeys))
    }

    /// Every key of the input pipeline that can change a sample's pixels or its position
    /// (DATALOADER.NUM_WORKERS only sets threads and is left out: batches are the same).
    public static var pipelineKeys: [String] {
        (InputKeys.keys + DataloaderKeys.keys).filter(\.hashed).map(\.key)
            + [ModelKeys.shared.pixelMean.name, ModelKeys.shared.pixelStd.name,
               SolverKeys.shared.imsPerBatch.name, RunKeys.shared.seed.name]
    }

    /// The teacher config's hashed MODEL.* keys.
    static func modelKeys(of c: ResolvedConfig) -> [String] {
        c.schema.keys.filter { $0.hashed && $0.key.hasPrefix("MODEL.") }.map(\.key)
    }

    public var digest: String { SHA256.hex("\(teacherWeights)\n\(teacherNumerics)\n\(teacherModel)\n\(datasetFingerprint)\n\(pipeline)") }
    var directory: String { String(digest.prefix(32)) }

    /// key.json: what the folder's rows were computed from, for people and for `reidkd` to check.
    var json: String {
        "{\"teacher_weights_sha256\":\(JSONText.quote(teacherWeights)),\"teacher_numerics\":\(JSONText.quote(teacherNumerics)),\"teacher_model\":\(teacherModel),\"dataset_fingerprint\":\(JSONText.quote(datasetFingerprint)),\"pipeline\":\(pipeline)}\n"
    }
}

public struct TeacherCacheError: Error, CustomStringConvertible {
    public let description: String
}

public final class TeacherCache {
    public let root: String, key: TeacherCacheKey
    public let logitDim: Int, embedDim: Int
    public private(set) var hits = 0, misses = 0
    /// Rows another writer computed while this cache waited for them (counted in `hits`).
    public private(set) var waited = 0
    /// Rows this cache computed for a later batch while another writer held the rows it needed
    /// (`fillAhead`); read later, they count as misses: this run paid their forward.
    public private(set) var filledAhead = 0
    private var aheadRows: (epoch: Int, rows: Set<Int>) = (-1, [])
    private var files: [Int: MappedEpoch] = [:]

    public init(root: String, key: TeacherCacheKey, logitDim: Int, embedDim: Int) {
        self.root = root; self.key = key; self.logitDim = logitDim; self.embedDim = embedDim
    }

    public var hitRate: Double { hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses) }

    /// Teacher outputs for samples of `epoch` (rows in order), or nil — counted as a miss — when
    /// any of them is not cached yet.
    public func lookup(epoch: Int, samples: [Int], samplesInEpoch: Int) throws -> (logits: Tensor, embeddings: Tensor)? {
        try lookup(epoch: epoch, samples: samples, samplesInEpoch: samplesInEpoch, counting: true)
    }

    func lookup(epoch: Int, samples: [Int], samplesInEpoch: Int, counting: Bool) throws -> (logits: Tensor, embeddings: Tensor)? {
        let f = try file(epoch: epoch, samples: samplesInEpoch)
        guard samples.allSatisfy({ f.isPresent($0) }) else {
            if counting { misses += samples.count }
            return nil
        }
        if counting { hits += samples.count }
        let logits = Tensor.empty([samples.count, logitDim]), emb = Tensor.empty([samples.count, embedDim])
        for (r, s) in samples.enumerated() {
            let row = f.row(s)
            (logits.pointer + r * logitDim).update(from: row, count: logitDim)
            (emb.pointer + r * embedDim).update(from: row + logitDim, count: embedDim)
        }
        return (logits, emb)
    }

    /// Teacher outputs for samples of `epoch`: read from the cache when every row is there,
    /// else computed by `compute` and stored. While one process (or cache object) computes a
    /// batch's rows it holds a lock on their present bytes; another that needs any of those rows
    /// waits for it and then reads them, so concurrent students of one key — a sweep's workers,
    /// a Slurm array — pay one teacher forward per row, not one each. While it waits it calls
    /// `help` (which fills a later batch with `fillAhead`; false when there is none to fill), and
    /// only blocks once there is nothing else to do: two students filling together would
    /// otherwise take turns, each idle while the other runs the teacher. The kernel drops the
    /// lock of a process that dies while computing, and the waiter computes the rows itself.
    public func outputs(epoch: Int, samples: [Int], samplesInEpoch: Int,
                        compute: () throws -> (logits: Tensor, embeddings: Tensor),
                        help: () throws -> Bool = { false }) throws -> (logits: Tensor, embeddings: Tensor) {
        if let hit = try lookup(epoch: epoch, samples: samples, samplesInEpoch: samplesInEpoch, counting: false) {
            countRead(epoch: epoch, samples, waited: false)
            return hit
        }
        let f = try file(epoch: epoch, samples: samplesInEpoch)
        var held = try f.tryLockRows(of: samples)
        while held == nil {
            guard try help() else { held = try f.lockRows(of: samples); break }
            if let late = try lookup(epoch: epoch, samples: samples, samplesInEpoch: samplesInEpoch, counting: false) {
                countRead(epoch: epoch, samples, waited: true)
                return late
            }
            held = try f.tryLockRows(of: samples)
        }
        let lock = held!
        defer { lock.unlock() }
        // Written by another writer while this one waited: read, and counted as read (a hit).
        if let late = try lookup(epoch: epoch, samples: samples, samplesInEpoch: samplesInEpoch, counting: false) {
            countRead(epoch: epoch, samples, waited: true)
            return late
        }
        misses += samples.count
        let out = try compute()
        try store(epoch: epoch, samples: samples, samplesInEpoch: samplesInEpoch, logits: out.logits, embeddings: out.embeddings)
        return out
    }

    /// Computes and stores the rows of a later batch of `epoch` when some are missing and no
    /// other writer is computing them; true when it did.
    public func fillAhead(epoch: Int, samples: [Int], samplesInEpoch: Int,
                          compute: () throws -> (logits: Tensor, embeddings: Tensor)) throws -> Bool {
        let f = try file(epoch: epoch, samples: samplesInEpoch)
        guard !samples.allSatisfy({ f.isPresent($0) }), let lock = try f.tryLockRows(of: samples) else { return false }
        defer { lock.unlock() }
        guard !samples.allSatisfy({ f.isPresent($0) }) else { return false }
        let out = try compute()
        try store(epoch: epoch, samples: samples, samplesInEpoch: samplesInEpoch, logits: out.logits, embeddings: out.embeddings)
        if aheadRows.epoch != epoch { aheadRows = (epoch, []) }
        aheadRows.rows.formUnion(samples)
        filledAhead += samples.count
        return true
    }

    /// Counts rows read from the cache: hits, except rows this cache filled ahead (misses).
    private func countRead(epoch: Int, _ samples: [Int], waited wasWaiting: Bool) {
        let mine = aheadRows.epoch == epoch ? samples.filter { aheadRows.rows.contains($0) }.count : 0
        misses += mine
        hits += samples.count - mine
        if wasWaiting { waited += samples.count - mine }
    }

    public func store(epoch: Int, samples: [Int], samplesInEpoch: Int, logits: Tensor, embeddings: Tensor) throws {
        guard logits.shape == [samples.count, logitDim], embeddings.shape == [samples.count, embedDim] else {
            throw TeacherCacheError(description: "teacher cache: outputs \(logits.shape)/\(embeddings.shape) do not match \(samples.count) samples × (\(logitDim) logits, \(embedDim)-d embedding)")
        }
        let f = try file(epoch: epoch, samples: samplesInEpoch)
        for (r, s) in samples.enumerated() {
            let row = f.row(s)
            row.update(from: logits.pointer + r * logitDim, count: logitDim)
            (row + logitDim).update(from: embeddings.pointer + r * embedDim, count: embedDim)
            f.markPresent(s)
        }
    }

    private func file(epoch: Int, samples: Int) throws -> MappedEpoch {
        if let f = files[epoch] { return f }
        let dir = "\(root)/\(key.directory)"
        try FileSystem.createFolder(dir)
        let keyFile = "\(dir)/key.json"
        if let existing = try? String(contentsOfFile: keyFile, encoding: .utf8) {
            guard existing == key.json else {
                throw TeacherCacheError(description: "\(keyFile) describes other teacher outputs than this run's (a digest collision or a hand-edited cache); delete \(dir) to rebuild it")
            }
        } else {
            try Data(key.json.utf8).write(to: URL(fileURLWithPath: keyFile), options: .atomic)
        }
        let f = try MappedEpoch(path: "\(dir)/epoch\(epoch).tcache", samples: samples, logitDim: logitDim, embedDim: embedDim)
        // Only the current epoch's file stays mapped: students read epochs in order.
        files = [epoch: f]
        return f
    }
}

/// One memory-mapped epoch file.
final class MappedEpoch {
    static let magic: [UInt8] = Array("RKDTCv1\0".utf8)
    let path: String, samples: Int, rowFloats: Int
    let base: UnsafeMutableRawPointer, length: Int, rowsOffset: Int
    /// Kept open for the row locks (`lockRows`), which live as long as the descriptor.
    let fd: Int32

    init(path: String, samples: Int, logitDim: Int, embedDim: Int) throws {
        self.path = path; self.samples = samples; rowFloats = logitDim + embedDim
        rowsOffset = (64 + samples + 63) / 64 * 64
        length = rowsOffset + samples * rowFloats * 4
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TeacherCacheError(description: "\(path): cannot open the teacher cache (\(String(cString: strerror(errno)))); pass --no-teacher-cache to run without it") }
        self.fd = fd
        var mapped = false
        defer { if !mapped { close(fd) } }
        var st = stat()
        fstat(fd, &st)
        if st.st_size == 0 {
            // New file: size it (sparse, zero-filled), then write the header.
            guard ftruncate(fd, off_t(length)) == 0 else { throw TeacherCacheError(description: "\(path): cannot size the teacher cache (disk full?)") }
        } else if Int(st.st_size) != length {
            throw TeacherCacheError(description: "\(path): teacher cache file has \(st.st_size) bytes, expected \(length) for \(samples) samples × \(rowFloats) floats; delete it to rebuild")
        }
        guard let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw TeacherCacheError(description: "\(path): cannot memory-map the teacher cache")
        }
        base = p
        mapped = true
        let header = base.assumingMemoryBound(to: UInt8.self)
        let dims = (base + 8).assumingMemoryBound(to: Int64.self)
        if header[0] == 0 {
            dims[0] = Int64(samples); dims[1] = Int64(logitDim); dims[2] = Int64(embedDim)
            for (i, b) in MappedEpoch.magic.enumerated() { header[i] = b }
        } else if Array(UnsafeBufferPointer(start: header, count: 8)) != MappedEpoch.magic
                    || dims[0] != Int64(samples) || dims[1] != Int64(logitDim) || dims[2] != Int64(embedDim) {
            // Fully initialised by now: deinit unmaps and closes (doing it here too would unmap
            // twice and close a descriptor number another thread may have been given since).
            throw TeacherCacheError(description: "\(path): not a teacher cache for \(samples) samples, \(logitDim) logits, \(embedDim)-d embeddings; delete it to rebuild")
        }
    }

    deinit { munmap(base, length); close(fd) }

    /// Waits for and takes the lock on the present bytes of `rows` (the span from the first to
    /// the last: a batch's rows are consecutive positions of the epoch).
    func lockRows(of rows: [Int]) throws -> FileRangeLock {
        let lo = rows.min() ?? 0, hi = rows.max() ?? 0
        do { return try FileRangeLock.lock(fd, offset: 64 + lo, length: hi - lo + 1, path: path) }
        catch { throw TeacherCacheError(description: "\(path): \(error); pass --no-teacher-cache to run without the cache") }
    }

    /// The lock of `lockRows`, or nil at once when another writer holds any of those bytes.
    func tryLockRows(of rows: [Int]) throws -> FileRangeLock? {
        let lo = rows.min() ?? 0, hi = rows.max() ?? 0
        do { return try FileRangeLock.tryLock(fd, offset: 64 + lo, length: hi - lo + 1, path: path) }
        catch { throw TeacherCacheError(description: "\(path): \(error); pass --no-teacher-cache to run without the cache") }
    }

    func isPresent(_ s: Int) -> Bool {
        precondition(s >= 0 && s < samples, "teacher cache: sample \(s) outside 0..<\(samples)")
        return base.load(fromByteOffset: 64 + s, as: UInt8.self) == 1
    }
    func markPresent(_ s: Int) { base.storeBytes(of: 1 as UInt8, toByteOffset: 64 + s, as: UInt8.self) }
    func row(_ s: Int) -> UnsafeMutablePointer<Float> {
        precondition(s >= 0 && s < samples, "teacher cache: sample \(s) outside 0..<\(samples)")
        return (base + rowsOffset).assumingMemoryBound(to: Float.self) + s * rowFloats
    }
}
