// `reidkd import SRC --out DIR [--config CONFIG] [--allow-missing]`: a FastReID model (output
// folder, or .pth/.pt with its config) or a .safetensors → a ReidKD model folder
// (model.safetensors, preprocess.json, IMPORT.md) that `reidkd embed`, `reidkd eval` and a
// sweep's teacher accept. Thin: the reading and mapping live in Interop, Distill and Export.
import ArgumentParser
import Foundation
import Distill
import Export

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a FastReID or PyTorch model as a ReidKD model folder.",
        discussion: """
        SRC is a FastReID output folder (config.yaml + model_final.pth), a .pth/.pt checkpoint (torch.save, zip or \
        legacy format; FastReID's {"model": …} or a plain state dict), or a .safetensors file. Nothing in the file is \
        executed: only the globals a state dict needs are allowed. The FastReID config is mapped to ReidKD's keys \
        (IMPORT.md lists what was mapped, ignored and missing); a config value ReidKD cannot build is an error naming \
        the key. Partial matches (tensors missing or left over) are refused unless --allow-missing.
        """)

    @Argument(help: "FastReID output folder, .pth/.pt checkpoint or .safetensors file.") var source: String
    @Option(help: "Output folder for model.safetensors, preprocess.json and IMPORT.md.") var out: String
    @Option(help: "The FastReID config (default: config.yaml in the folder or next to the checkpoint).") var config: String?
    @Flag(help: "Import even when some tensors are missing from the checkpoint (they keep their initialisation) or left over.")
    var allowMissing = false

    func run() throws {
        let imported = try ImportedCheckpoint.make(source: source, config: config, allowMissing: allowMissing)
        try ImportFolder.write(imported, to: out)
        let r = imported.report
        print("imported \(r.checkpoint) (\(r.format)) → \(out): \(r.summary)")
        for w in r.warnings { Diagnostics.warn(w) }
        if !r.unknown.isEmpty {
            Diagnostics.warn("keys FastReID 1.4 does not define were ignored: \(r.unknown.map(\.key).joined(separator: ", "))")
        }
        print("see \(out)/\(ImportFolder.reportFile)")
    }
}
