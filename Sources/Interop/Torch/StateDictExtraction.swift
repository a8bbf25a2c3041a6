// Finding the state dict inside an unpickled checkpoint. FastReID's and detectron2's
// Checkpointer save {"model": state_dict, "optimizer": …, "iteration": …}; Lightning and many
// training scripts use "state_dict"; torchvision releases are the state dict itself. Like
// FastReID's loader, a `module.` prefix (nn.DataParallel) is stripped when every key has it;
// `num_batches_tracked` (BatchNorm's step counter, meaningless in eval) is dropped.

struct ExtractedStateDict {
    var entries: [(name: String, tensor: TorchTensorRef)]
    var notes: [String]
}

enum StateDictExtraction {
    static let wrapperKeys = ["model", "state_dict", "model_state_dict"]

    static func extract(_ root: PickleValue) throws -> ExtractedStateDict {
        guard case .dict(let top) = root else {
            throw TorchFormatError("the checkpoint holds a \(root.kind), not a dict; expected a state dict or {\"model\": state_dict, …}")
        }
        var notes: [String] = []
        var dict = top
        for key in wrapperKeys {
            if case .dict(let inner)? = top[key], inner.entries.contains(where: { if case .tensor = $0.value { return true }; return false }) {
                dict = inner
                let others = top.entries.compactMap { $0.key.string }.filter { $0 != key }
                notes.append("state dict taken from the checkpoint's \"\(key)\" entry" + (others.isEmpty ? "" : "; ignored: \(others.joined(separator: ", "))"))
                break
            }
        }
        var entries: [(name: String, tensor: TorchTensorRef)] = []
        var ignored: [String] = []
        for (k, v) in dict.entries {
            guard let name = k.string else { ignored.append("a \(k.kind) key"); continue }
            if case .tensor(let t) = v { entries.append((name, t)) } else { ignored.append("\(name) (\(v.kind))") }
        }
        guard !entries.isEmpty else {
            let keys = dict.entries.prefix(8).map { $0.key.string ?? $0.key.kind }.joined(separator: ", ")
            throw TorchFormatError("the checkpoint holds no tensors (keys: \(keys)); expected a state dict or {\"model\": state_dict, …}")
        }
        if !ignored.isEmpty { notes.append("non-tensor entries ignored: \(ignored.prefix(8).joined(separator: ", "))\(ignored.count > 8 ? ", …" : "")") }
        if entries.allSatisfy({ $0.name.hasPrefix("module.") }) {
            entries = entries.map { (String($0.name.dropFirst("module.".count)), $0.tensor) }
            notes.append("prefix \"module.\" (DataParallel) stripped from every key")
        }
        let before = entries.count
        entries.removeAll { $0.name == "num_batches_tracked" || $0.name.hasSuffix(".num_batches_tracked") }
        if entries.count < before { notes.append("\(before - entries.count) num_batches_tracked entries dropped (BatchNorm step counters, unused in eval)") }
        var seen = Set<String>()
        for e in entries where !seen.insert(e.name).inserted { throw TorchFormatError("the state dict names \(e.name) twice") }
        return ExtractedStateDict(entries: entries, notes: notes)
    }
}
