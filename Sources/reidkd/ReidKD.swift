// reidkd — the command-line interface. Thin: parses arguments and calls into the library
// modules; no logic of its own. One file per subcommand; register new ones in `subcommands`.
import ArgumentParser
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
            DataCommand.self,
            TrainCommand.self,
            SweepCommand.self,
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
    static func main() {
        BLASKernel.selectAtStartup()
        main(nil)
    }
}
