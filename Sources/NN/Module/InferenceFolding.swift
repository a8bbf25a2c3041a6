// Folds every eval-mode BatchNorm into the convolution that feeds it, for a frozen model that
// only runs forward in eval mode (the distillation teacher): one pass over each activation
// fewer, the bias added while the conv's output chunk is still in cache. The pairs follow the
// zoo's key names — `convN` → `bnN` (ResNet blocks and stem), `…i` → `…(i+1)` in sequences
// (`downsample.0/.1`, MobileNetV2's conv/BN pairs); an IBN (instance norm on half the channels)
// is not a plain affine map and stays as it is. Parameters and the state dict are untouched: the
// folded weights live beside them and are used only in eval mode, so a model switched back to
// train mode computes exactly as before (but must not be folded while its weights change).
public enum InferenceFolding {
    /// Folds the model's conv→BN pairs; returns how many were folded.
    @discardableResult
    public static func fold(_ model: Module) -> Int {
        let modules = Dictionary(model.namedModules().map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        var count = 0
        for (key, m) in modules {
            guard let conv = m as? Conv2d, conv.folded == nil else { continue }
            guard let bnKey = partner(of: key), let bn = modules[bnKey] as? BatchNorm, !bn.isFolded,
                  bn.runningMean.count == conv.outChannels else { continue }
            conv.folded = BatchNormFolding.fold(conv, bn)
            bn.isFolded = true
            count += 1
        }
        return count
    }

    /// The key of the BatchNorm that follows the conv at `key`, by the zoo's naming.
    static func partner(of key: String) -> String? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let last = parts.last else { return nil }
        let prefix = parts.dropLast().joined(separator: ".")
        let join = { (name: String) in prefix.isEmpty ? name : prefix + "." + name }
        if last.hasPrefix("conv"), let n = Int(last.dropFirst(4)) { return join("bn\(n)") }
        if let i = Int(last) { return join(String(i + 1)) }
        return nil
    }
}
