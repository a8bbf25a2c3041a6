// The layout for custom data: `<root>/<split>/<pid>/<camid>_<anything>.<png|jpg>` with splits
// `train`, `query`, `gallery`. pid folders are integers ≥ 0 (0 = distractor, gallery only) and
// the camera number is 0-based. Example: `gallery/17/2_000123.jpg` → pid 17, camera 2.
import Foundation

public struct GenericLayout: DatasetLayout {
    public var name: String { "generic" }
    public var expected: String {
        "train/, query/, gallery/ each holding one folder per pid (an integer), with images named <camid>_<anything>.png|jpg (camid 0-based)"
    }

    public func load(root: String, options: LayoutOptions) throws -> ReidDataset {
        let scan = LayoutScanner(layoutName: name, expected: expected, root: root, options: options)
        var splits: [[ImageRecord]] = []
        for (s, split) in ["train", "query", "gallery"].enumerated() {
            let dir = try scan.folder(split)
            let pidDirs: [String]
            do { pidDirs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }.sorted() }
            catch { throw DataError(.unreadable, path: dir, "cannot list folder (check permissions)") }
            var recs: [ImageRecord] = []
            for pidName in pidDirs {
                let pidPath = (dir as NSString).appendingPathComponent(pidName)
                var isDir: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: pidPath, isDirectory: &isDir)
                guard let pid = try scan.attempt({ () throws -> Int in
                    guard isDir.boolValue, let pid = Int(pidName), pid >= 0 else {
                        throw DataError(.badName, path: pidPath, "expected a folder named by an integer pid ≥ 0 — the generic layout expects \(expected)")
                    }
                    return pid
                }) else { continue }
                if pid == 0 && s != 2 { continue }
                for path in try scan.images(in: pidPath) {
                    guard let rec = try scan.attempt({ () throws -> ImageRecord in
                        let file = (path as NSString).lastPathComponent
                        guard let camField = file.split(separator: "_").first, file.contains("_"), let cam = Int(camField), cam >= 0 else {
                            throw DataError(.badName, path: path, "file name does not parse; the generic layout expects <camid>_<anything>.png|jpg, e.g. 2_000123.jpg")
                        }
                        try scan.check(path)
                        return ImageRecord(path: path, pid: pid, camid: cam)
                    }) else { continue }
                    recs.append(rec)
                }
            }
            splits.append(recs)
        }
        return ReidDataset(name: name, root: root, train: splits[0], query: splits[1], gallery: splits[2], skipped: scan.skipped)
    }
}
