// FastReID's parameter names → ReidKD's. ResNet names are identical (ReidKD followed FastReID);
// FastReID's MobileNetV2 (from tonylins/pytorch-mobilenet-v2) numbers its layers differently from
// torchvision's, which ReidKD follows: its blocks are flat Sequentials and its last 1×1 conv is
// `backbone.conv`. Old FastReID model-zoo files name the BNNeck `heads.bnneck` and the classifier
// `heads.classifier`, and keep `pixel_mean`/`pixel_std` buffers; those are renamed or dropped.
import Tensor
import NN

public enum FastReIDWeights {
    /// Renames `entries` to ReidKD's names for `backbone`; returns the notes of what changed.
    public static func rename(_ entries: [(String, Tensor)], backbone: String) -> (entries: [(String, Tensor)], notes: [String]) {
        var out: [(String, Tensor)] = [], notes: [String] = []
        var renamed = 0
        for (name, t) in entries {
            if name == "pixel_mean" || name == "pixel_std" {
                notes.append("\(name) buffer dropped (old FastReID; MODEL.PIXEL_MEAN/STD of the config are used)")
                continue
            }
            var n = name
            if n.hasPrefix("heads.bnneck.") { n = "heads.bottleneck.0." + n.dropFirst("heads.bnneck.".count) }
            if n == "heads.classifier.weight" { n = "heads.weight" }
            if backbone == "mobilenetv2" { n = mobileNetV2Name(n) }
            if n != name { renamed += 1 }
            out.append((n, t))
        }
        if renamed > 0 { notes.append("\(renamed) tensor names translated from FastReID's layout to ReidKD's") }
        return (out, notes)
    }

    /// FastReID's block layer index → ReidKD's (torchvision's) path inside `conv`.
    static let expandedBlock = ["0": "0.0", "1": "0.1", "3": "1.0", "4": "1.1", "6": "2", "7": "3"]
    static let unexpandedBlock = ["0": "0.0", "1": "0.1", "3": "1", "4": "2"]

    static func mobileNetV2Name(_ n: String) -> String {
        if n.hasPrefix("backbone.conv.") {
            return "backbone.features.18." + n.dropFirst("backbone.conv.".count)
        }
        // backbone.features.<block>.conv.<layer>.<rest>
        let parts = n.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 6, parts[0] == "backbone", parts[1] == "features", let block = Int(parts[2]), block >= 1,
              parts[3] == "conv" else { return n }
        // Block 1 is the only one with expansion 1 (MobileNetV2's first setting).
        guard let mapped = (block == 1 ? unexpandedBlock : expandedBlock)[parts[4]] else { return n }
        return (["backbone", "features", parts[2], "conv", mapped] + parts[5...]).joined(separator: ".")
    }

    /// FastReID's ResNet has no width multiplier; a checkpoint whose stem has C channels instead
    /// of 64 (a narrowed model, e.g. the parity fixtures) is read at width C/64.
    public static func resnetWidth(_ entries: [(String, Tensor)]) -> Double? {
        guard let stem = entries.first(where: { $0.0 == "backbone.conv1.weight" })?.1, stem.rank == 4 else { return nil }
        return Double(stem.shape[0]) / 64
    }
}
