// The dataset handed to the trainer and the evaluator: train / query / gallery lists of
// (path, pid, camid). Training pids are relabelled to 0…N−1 (sorted by original pid, as
// FastReID's data/common.py does); query and gallery keep their original pids so that
// evaluation compares the same identities across the two sets. camids are 0-based.
import Foundation
import Support

public struct ImageRecord: Equatable, Hashable, Sendable {
    /// Absolute (or as-given) path of the image file.
    public var path: String
    /// Identity: relabelled 0…N−1 in `train`; original ids in query/gallery (0 = distractor).
    public var pid: Int
    /// 0-based camera index.
    public var camid: Int

    public init(path: String, pid: Int, camid: Int) {
        self.path = path
        self.pid = pid
        self.camid = camid
    }
}

public struct ReidDataset: Sendable {
    /// Layout name it was read with ("market1501", …, "synthetic").
    public var name: String
    /// Root folder.
    public var root: String
    public var train: [ImageRecord]
    public var query: [ImageRecord]
    public var gallery: [ImageRecord]
    /// Original pid of each relabelled training pid (index = new label).
    public var trainPidOriginal: [Int]
    /// Files left out by `--skip-bad` while parsing.
    public var skipped: SkipReport

    /// Number of training identities = classifier width.
    public var numTrainPids: Int { trainPidOriginal.count }

    /// Builds a dataset, relabelling training pids to 0…N−1 in order of original pid.
    public init(name: String, root: String, train rawTrain: [ImageRecord], query: [ImageRecord],
                gallery: [ImageRecord], skipped: SkipReport = SkipReport()) {
        self.name = name
        self.root = root
        let sortedPids = Array(Set(rawTrain.map(\.pid))).sorted()
        var map: [Int: Int] = [:]
        for (i, p) in sortedPids.enumerated() { map[p] = i }
        self.train = rawTrain.map { ImageRecord(path: $0.path, pid: map[$0.pid]!, camid: $0.camid) }
        self.trainPidOriginal = sortedPids
        self.query = query
        self.gallery = gallery
        self.skipped = skipped
    }

    /// Statistics of one split.
    public struct SplitStats: Equatable, Sendable {
        public var ids: Int, images: Int, cameras: Int
    }

    public static func stats(_ records: [ImageRecord]) -> SplitStats {
        SplitStats(ids: Set(records.map(\.pid)).count, images: records.count, cameras: Set(records.map(\.camid)).count)
    }

    /// FastReID-style summary table (ids / images / cameras per split).
    public var statisticsTable: String {
        let rows: [(String, SplitStats)] = [("train", Self.stats(train)), ("query", Self.stats(query)), ("gallery", Self.stats(gallery))]
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        var s = "=> Loaded \(name) from \(root)\n"
        s += "  ----------------------------------------\n"
        s += "  subset   | # ids | # images | # cameras\n"
        s += "  ----------------------------------------\n"
        for (n, st) in rows {
            s += "  " + n.padding(toLength: 8, withPad: " ", startingAt: 0) + " | " + pad("\(st.ids)", 5) + " | "
                + pad("\(st.images)", 8) + " | " + pad("\(st.cameras)", 9) + "\n"
        }
        s += "  ----------------------------------------"
        return s
    }

    /// Throws a clear error if any split is empty (the trainer and evaluator need all three).
    public func requireNonEmpty() throws {
        for (n, r) in [("train", train), ("query", query), ("gallery", gallery)] where r.isEmpty {
            throw DataError(.emptySplit, path: root, "the \(n) split of \(name) has no images")
        }
    }

    /// Content fingerprint for the experiment store and the teacher-output cache: SHA-256 over
    /// the sorted lines "split\trelative-path\tsha256-of-the-file\tpid\tcamid". Renaming the
    /// root folder keeps it; changing a single pixel of any file, adding or removing a file, or
    /// changing a label changes it. File digests are remembered by (path, size, mtime) in
    /// `digests` (ContentDigests.swift), so only new or modified files are read again.
    public func fingerprint(digests: ContentDigests? = nil) throws -> String {
        let d = digests ?? ContentDigests(root: root)
        var lines: [String] = []
        for (split, recs) in [("train", train), ("query", query), ("gallery", gallery)] {
            for r in recs {
                lines.append("\(split)\t\(Self.relative(r.path, to: root))\t\(try d.sha256(r.path))\t\(r.pid)\t\(r.camid)")
            }
        }
        lines.sort()
        return SHA256.hex(lines.joined(separator: "\n"))
    }

    static func relative(_ path: String, to root: String) -> String {
        let r = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(r) ? String(path.dropFirst(r.count)) : path
    }
}
