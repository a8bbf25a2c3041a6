// reidkd — the command-line interface. Thin: parses arguments and calls into the library
// modules; no logic of its own. One file per subcommand; register new ones in `subcommands`.
import ArgumentParser
import Foundation
import Tensor
import BuildInfo

@main
struct ReidKD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reidkd",
        abstract: "Knowledge distillation workbench for instance re-identification.",
        version: "\(ReidKDInfo.version) (commit \(BuildInfo.codeVersion))",
        subcommands: [
            InfoCommand.self,
            RunsCommand.self,
            StoreCommand.self,
            DataCommand.self,
            TrainCommand.self,
            SweepCommand.self,
            WorkerCommand.self,
            ConfigCommand.self,
            EvalFeaturesCommand.self,
            EvalCommand.self,
            ReportCommand.self,
            ExportCommand.self,
            EmbedCommand.self,
            ImportCommand.self,
        ]
    )

    /// Before anything else: make OpenBLAS run the best kernel this CPU has (may re-execute).
    /// Then parse (usage errors print with the usage text, ArgumentParser's way) and run; what
    /// `run()` throws is printed as one `reidkd: error: …` line (Diagnostics.swift).
    static func main() {
        BLASKernel.selectAtStartup(warn: Diagnostics.warn)
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do { try command.run() } catch {
            // ArgumentParser's own (exit codes, help requests, usage errors) keep its format.
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { exit(withError: error) }
            Foundation.exit(Diagnostics.report(error))
        }
    }
}
