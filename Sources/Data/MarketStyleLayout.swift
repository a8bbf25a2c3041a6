// Market-1501, DukeMTMC-reID and VeRi-776: three folders of images whose names carry the pid
// and camera ("0002_c1s1_000451_03.jpg" → pid 2, camera 1; VeRi "0001_c001_00016450_0.jpg").
// Rules follow FastReID: pid −1 (junk) is dropped everywhere; pid 0 (distractors) is kept in the
// gallery only; camera numbers are 1-based on disk and 0-based in records.
import Foundation

public struct MarketStyleLayout: DatasetLayout {
    public let name: String
    let trainDir: String, queryDir: String, galleryDir: String
    /// Folder names the dataset usually unpacks to; if root contains one, it is used.
    let topFolders: [String]
    /// Digits of the camera number after "_c" (1 for Market/Duke, 3 for VeRi).
    let camDigits: Int
    let maxCamera: Int
    let example: String

    public static let market1501 = MarketStyleLayout(
        name: "market1501", trainDir: "bounding_box_train", queryDir: "query", galleryDir: "bounding_box_test",
        topFolders: ["Market-1501-v15.09.15"], camDigits: 1, maxCamera: 9, example: "0002_c1s1_000451_03.jpg")
    public static let dukemtmc = MarketStyleLayout(
        name: "dukemtmc", trainDir: "bounding_box_train", queryDir: "query", galleryDir: "bounding_box_test",
        topFolders: ["DukeMTMC-reID"], camDigits: 1, maxCamera: 8, example: "0005_c2_f0046985.jpg")
    public static let veri776 = MarketStyleLayout(
        name: "veri776", trainDir: "image_train", queryDir: "image_query", galleryDir: "image_test",
        topFolders: ["veri", "VeRi"], camDigits: 3, maxCamera: 20, example: "0001_c001_00016450_0.jpg")

    public var expected: String {
        "\(trainDir)/, \(queryDir)/, \(galleryDir)/ holding images named like \(example) (pid_cCAM…, cameras 1–\(maxCamera))"
    }

    public func load(root: String, options: LayoutOptions) throws -> ReidDataset {
        let base = LayoutScanner.descend(root, into: topFolders)
        let scan = LayoutScanner(layoutName: name, expected: expected, root: base, options: options)
        let dirs = [try scan.folder(trainDir), try scan.folder(queryDir), try scan.folder(galleryDir)]
        var splits: [[ImageRecord]] = [[], [], []]
        for (s, dir) in dirs.enumerated() {
            for path in try scan.images(in: dir) {
                guard let rec = try scan.attempt({ () throws -> ImageRecord in
                    let r = try parse(path)
                    try scan.check(path)
                    return r
                }) else { continue }
                if rec.pid == -1 { continue }            // junk
                if rec.pid == 0 && s != 2 { continue }   // distractors belong to the gallery only
                splits[s].append(rec)
            }
        }
        return ReidDataset(name: name, root: base, train: splits[0], query: splits[1], gallery: splits[2], skipped: scan.skipped)
    }

    /// pid and 0-based camid from a file name.
    func parse(_ path: String) throws -> ImageRecord {
        let file = (path as NSString).lastPathComponent
        let bad = DataError(.badName, path: path, "file name does not parse; the \(name) layout expects names like \(example) (pid_cCAM…)")
        let parts = file.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count >= 2, let pid = Int(parts[0]), pid >= -1 else { throw bad }
        let camField = parts[1]
        guard camField.first == "c" else { throw bad }
        let digits = camField.dropFirst().prefix { $0.isNumber }
        guard digits.count >= camDigits, let cam = Int(digits.prefix(camDigits)) else { throw bad }
        guard cam >= 1 && cam <= maxCamera else {
            throw DataError(.badName, path: path, "camera \(cam) is out of range; the \(name) layout has cameras 1–\(maxCamera)")
        }
        return ImageRecord(path: path, pid: pid, camid: cam - 1)
    }
}
