// MSMT17: list files `list_train.txt`, `list_query.txt`, `list_gallery.txt` (optional
// `list_val.txt`, appended to train as FastReID does only with COMBINEALL — here: ignored), lines
// "relative/path pid". Train paths are relative to `train/` (V2: `mask_train_v2/`), query and
// gallery to `test/` (`mask_test_v2/`). camid = third "_" field of the file name − 1
// ("0000_000_01_0303morning_0015_0.jpg" → camera 0).
import Foundation

public struct MSMT17Layout: DatasetLayout {
    public var name: String { "msmt17" }
    public var expected: String {
        "list_train.txt, list_query.txt, list_gallery.txt (lines 'path pid') and folders train/ and test/ (or mask_train_v2/, mask_test_v2/), images named like 0000_000_01_0303morning_0015_0.jpg"
    }

    public func load(root: String, options: LayoutOptions) throws -> ReidDataset {
        let base = LayoutScanner.descend(root, into: ["MSMT17_V2", "MSMT17_V1"])
        let scan = LayoutScanner(layoutName: name, expected: expected, root: base, options: options)
        let v2 = FileManager.default.fileExists(atPath: (base as NSString).appendingPathComponent("mask_train_v2"))
        let trainDir = try scan.folder(v2 ? "mask_train_v2" : "train")
        let testDir = try scan.folder(v2 ? "mask_test_v2" : "test")
        var splits: [[ImageRecord]] = []
        for (list, dir) in [("list_train.txt", trainDir), ("list_query.txt", testDir), ("list_gallery.txt", testDir)] {
            let listPath = (base as NSString).appendingPathComponent(list)
            guard let text = try? String(contentsOfFile: listPath, encoding: .utf8) else {
                throw DataError(.badLayout, path: listPath, "missing or unreadable list file — the msmt17 layout expects \(expected)")
            }
            var recs: [ImageRecord] = []
            for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                guard let rec = try scan.attempt({ () throws -> ImageRecord in
                    let f = trimmed.split(whereSeparator: \.isWhitespace)
                    guard f.count == 2, let pid = Int(f[1]), pid >= 0 else {
                        throw DataError(.badName, path: "\(listPath):\(n + 1)", "expected 'relative/path.jpg pid', got '\(trimmed)'")
                    }
                    let path = (dir as NSString).appendingPathComponent(String(f[0]))
                    let parts = (String(f[0]) as NSString).lastPathComponent.split(separator: "_")
                    guard parts.count >= 3, let cam = Int(parts[2]), cam >= 1 else {
                        throw DataError(.badName, path: path, "file name does not parse; msmt17 expects names like 0000_000_01_0303morning_0015_0.jpg (camera = third field, 1-based)")
                    }
                    try scan.check(path)
                    return ImageRecord(path: path, pid: pid, camid: cam - 1)
                }) else { continue }
                recs.append(rec)
            }
            splits.append(recs)
        }
        return ReidDataset(name: name, root: base, train: splits[0], query: splits[1], gallery: splits[2], skipped: scan.skipped)
    }
}
