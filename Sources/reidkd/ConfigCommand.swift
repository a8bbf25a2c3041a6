import ArgumentParser
import Foundation
import Config
import Distill

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect configs: resolved values, hash, key reference.",
        subcommands: [Show.self, Keys.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the resolved config (defaults ← _BASE_ chain ← FILE ← --opts) as YAML, with its SHA-256.")
        @Argument(help: "YAML config file.") var file: String
        @Flag(help: "Print only the canonical SHA-256.") var hash = false
        @Flag(help: "Print only the keys that differ from the defaults.") var changed = false
        @Option(parsing: .remaining, help: "KEY VALUE pairs overriding the file, e.g. --opts SOLVER.BASE_LR 0.01")
        var opts: [String] = []

        func run() throws {
            let config = try RunConfig.load(file: file, overrides: opts)
            if hash { print(config.sha256); return }
            if changed {
                for k in config.changedKeys { print("\(k): \(config.value(k).yaml)") }
            } else {
                print(config.yaml, terminator: "")
            }
            print("# sha256: \(config.sha256)")
        }
    }

    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every config key with its default and allowed values.")
        @Flag(help: "Markdown table (the one in docs/CONFIG.md).") var markdown = false

        func run() {
            if markdown { print(RunConfig.schema.markdownTable(), terminator: ""); return }
            print(RunConfig.defaults.yaml, terminator: "")
        }
    }
}
