// Any state dict file as float32 tensors: a torch checkpoint (.pth/.pt/.bin, recognised by its
// content, both formats) or a safetensors file. Used by `reidkd import` and by MODEL.WEIGHTS /
// MODEL.BACKBONE.PRETRAIN_PATH.
import Foundation
import Tensor
import NN

public struct StateDictFile {
    public let path: String
    /// "torch zip", "torch legacy" or "safetensors".
    public let format: String
    public let entries: [(String, Tensor)]
    /// What the reader unwrapped, stripped or dropped.
    public let notes: [String]
    /// safetensors metadata (a ReidKD checkpoint carries its config there).
    public let metadata: [String: String]

    public static func read(_ path: String) throws -> StateDictFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InteropError(path: path, "no such file")
        }
        // By extension first: a safetensors header length can start with the byte of a pickle's PROTO.
        if !path.lowercased().hasSuffix(".safetensors") && TorchCheckpoint.looksLikeTorch(path) {
            let ck = try TorchCheckpoint.load(path)
            return StateDictFile(path: path, format: "torch \(ck.format.rawValue)", entries: try ck.floatStateDict(),
                                 notes: ck.notes, metadata: [:])
        }
        do {
            let f = try SafetensorsFile.read(path)
            var notes: [String] = []
            var entries = f.stateDict
            if !entries.isEmpty, entries.allSatisfy({ $0.0.hasPrefix("module.") }) {
                entries = entries.map { (String($0.0.dropFirst("module.".count)), $0.1) }
                notes.append("prefix \"module.\" (DataParallel) stripped from every key")
            }
            let before = entries.count
            entries.removeAll { $0.0.hasSuffix("num_batches_tracked") }
            if entries.count < before { notes.append("\(before - entries.count) num_batches_tracked entries dropped") }
            return StateDictFile(path: path, format: "safetensors", entries: entries, notes: notes, metadata: f.metadata)
        } catch let e as CheckpointError {
            throw InteropError(path: path, "neither a PyTorch checkpoint nor a safetensors file (\(e.message))")
        }
    }
}
