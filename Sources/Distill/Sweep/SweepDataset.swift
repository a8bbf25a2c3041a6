// The dataset a sweep's runs share: loaded from DATASETS.ROOT, or for the synthetic default
// generated there on first use.
import Foundation
import Config
import NN
import Data
import Support

extension SweepRunner {
    /// Loads (or, for the synthetic default, generates) the dataset the runs share. Generation
    /// happens under a lock (two sweeps started at once generate it once) into a hidden folder
    /// renamed into place when complete (a kill cannot leave a partial dataset that looks whole).
    public func dataset(for c: ResolvedConfig) throws -> ReidDataset {
        let root = c[\DatasetKeys.root]
        let fm = FileManager.default
        if c[\DatasetKeys.names][0].lowercased() == "synthetic" && !fm.fileExists(atPath: "\(root)/bounding_box_train") {
            let url = URL(fileURLWithPath: root).standardizedFileURL
            let parent = url.deletingLastPathComponent().path, name = url.lastPathComponent
            do { try fm.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
                throw SweepError("cannot create folder \(parent): \(error.localizedDescription)")
            }
            let lock = try FileLock.lock("\(parent)/.\(name).lock")
            defer { lock.unlock() }
            if !fm.fileExists(atPath: "\(root)/bounding_box_train") {
                var s = SynthConfig()
                let size = c[\InputKeys.sizeTrain]
                s.height = size[0]; s.width = size[1]
                log("generating the synthetic dataset in \(root) (\(s.ids) ids, \(s.height)×\(s.width)) …")
                // Holding the lock, every hidden temporary of this name is a killed generator's.
                for n in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] where n.hasPrefix(".\(name).tmp-") {
                    try? fm.removeItem(atPath: "\(parent)/\(n)")
                }
                let temp = "\(parent)/.\(name).tmp-\(getpid())"
                _ = try SynthGenerator(s).write(to: temp)
                if let existing = try? fm.contentsOfDirectory(atPath: root), existing.isEmpty { try? fm.removeItem(atPath: root) }
                do { try fm.moveItem(atPath: temp, toPath: root) } catch {
                    try? fm.removeItem(atPath: temp)
                    throw SweepError("cannot move the generated dataset into \(root): \(error.localizedDescription) (is the folder in use or not empty?)")
                }
            }
        }
        return try TrainingData.loadDataset(c)
    }
}
