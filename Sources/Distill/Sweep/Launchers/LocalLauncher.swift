// The default launcher: worker processes on this machine, at most `workers` at a time, each run
// in a process of its own under the sweep's supervisor (SweepSupervisor).
import Foundation
import Store

public struct LocalLauncher: SweepLauncher {
    public static let name = "local"
    public static let help = "worker processes on this machine, supervised by this command (default)"
    let options: LaunchOptions

    public init(options: LaunchOptions) { self.options = options }

    public func dryRun(runner: SweepRunner, store: StoreLocation) throws -> String { "" }

    public func launch(runner: SweepRunner, sweep: Sweep) throws -> LaunchResult {
        let supervisor = SweepSupervisor(runner: runner, sweep: sweep, workers: options.workers)
        supervisor.executable = options.executable
        supervisor.log = options.log
        return .ran(try supervisor.run())
    }

    public static func currentJob(_ environment: [String: String]) -> String? { nil }
    public static func jobStates(sweepDirectory: String, jobs: [String]) -> [String: JobState]? { nil }
}
