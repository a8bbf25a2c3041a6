// `reidkd export --best [--sweep NAME] [--metric mAP] [--store PATH] [--out DIR]` or `--run ID`:
// exports a student (safetensors, preprocess.json, ONNX, model card) and proves the export.
// Thin: the selection, writing and checks live in module Export.
import ArgumentParser
import Foundation
import Store
import Export

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the best student (or a given run): model.safetensors, preprocess.json, model.onnx, MODEL_CARD.md.",
        discussion: """
        --best picks, among the finished student and baseline runs of the sweep (default: the newest), the one with \
        the highest --metric (ties: fewer GFLOPs). The export is re-evaluated (mAP must match the stored one within \
        1e-4) and, when Python's onnxruntime is importable, model.onnx is compared with the native model on real \
        images (max |Δ| ≤ 1e-4). Everything is written to a temporary folder and moved into place only if it all passes.
        """)

    @Flag(help: "Export the best finished student/baseline of the sweep.") var best = false
    @Option(name: .customLong("run"), help: "Export this run id instead (see `reidkd runs list`).") var runID: Int64?
    @Option(help: "Sweep name (default: the newest sweep in the store).") var sweep: String?
    @Option(help: "Summary metric that ranks the runs (R1, R5, R10, mAP, mINP …).") var metric = "mAP"
    @Option(help: "The experiment store (an SQLite file or a postgresql:// URL; default: $REIDKD_STORE, else results/reidkd.sqlite).") var store = StoreDefaults.path
    @Option(help: "Output folder (default: results/<sweep>/export, or results/export-run<ID>).") var out: String?

    func validate() throws {
        if best == (runID != nil) { throw ValidationError("give exactly one of --best or --run ID") }
        if runID != nil && sweep != nil { throw ValidationError("--sweep selects among runs for --best; with --run ID leave it out") }
    }

    func run() throws {
        let r = try Exporter.export(ExportOptions(storePath: store, sweep: sweep, run: runID, metric: metric, out: out)) { line in
            if line.hasPrefix("warning: ") { Diagnostics.warn(String(line.dropFirst("warning: ".count))) } else { print(line) }
        }
        for f in r.files { print("  \(f.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(f.bytes) bytes  sha256 \(f.sha256.prefix(16))…") }
    }
}
