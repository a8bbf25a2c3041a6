// The tiny sweep (experiments/tiny.yaml) through `--launcher slurm` on a real single-node Slurm
// cluster against a real PostgreSQL store, both started by the scripts `make test` runs this
// under (Scripts/with-postgres.sh, Scripts/with-slurm.sh): the teacher job, the student job array
// after it, every run finished — and a task cancelled with scancel in the middle of its run
// (after its first epoch's checkpoint) leaves the run `interrupted`, and submitting the sweep
// again resumes it from that checkpoint. The end must equal a local run of the same sweep:
// every metric row, every summary value, bit-identical model files, and the report's accuracy
// columns.
import XCTest
import Foundation
@testable import Store
@testable import Distill

final class ClusterChildProcessTests: XCTestCase {
    static let student = "student-METHOD=kl-s1"

    func testChildProcessTinySweepThroughSlurmOnPostgres() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["REIDKD_TEST_SLURM"] == "1", let scancel = Slurm.which("scancel"), Slurm.which("squeue") != nil else {
            throw XCTSkip("no Slurm test cluster: run under Scripts/with-slurm.sh, as `make test` does (needs Debian's slurm-wlm and munge)")
        }
        guard let server = env["REIDKD_TEST_POSTGRES"], !server.isEmpty else {
            throw XCTSkip("no PostgreSQL test server: run under Scripts/with-postgres.sh, as `make test` does")
        }
        let schema = "cluster_\(UUID().uuidString.prefix(8).lowercased())"
        try PostgresConnection(url: server, display: server).executeScript("CREATE SCHEMA \(schema)")
        let url = server + (server.contains("?") ? "&" : "?") + "options=-c%20search_path%3D\(schema)"
        let start = Date()

        // The reference: the same sweep run here, one thread per worker (as each Slurm task gets one CPU).
        let local = try SweepHarness("cluster-local"), cluster = try SweepHarness("cluster-slurm")
        defer { local.remove(); cluster.remove() }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        for h in [local, cluster] {
            try FileManager.default.createDirectory(atPath: "\(h.dir)/experiments", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(repo)/experiments/tiny.yaml", toPath: "\(h.dir)/experiments/tiny.yaml")
            try FileManager.default.copyItem(atPath: "\(repo)/experiments/configs", toPath: "\(h.dir)/experiments/configs")
        }
        let reference = try local.run(["sweep", "experiments/tiny.yaml", "--workers", "2"])
        XCTAssertEqual(reference.status, 0, reference.output)
        let expected = try local.snapshot()
        let localSeconds = Date().timeIntervalSince(start)
        // The synthetic dataset, generated once (the same files, so the same fingerprint).
        try FileManager.default.createDirectory(atPath: "\(cluster.dir)/results", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(cluster.dir)/results/data", withDestinationPath: "\(local.dir)/results/data")

        // Submitted with a pause after the student's first committed checkpoint: a window to cancel it mid-run.
        let fault = ["REIDKD_FAULT": "pause:committed:\(Self.student):1"]
        let first = try cluster.run(["sweep", "experiments/tiny.yaml", "--launcher", "slurm", "--store", url], env: fault)
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertTrue(first.output.contains("submitted teacher job") && first.output.contains("(2 tasks, after"), first.output)
        let store = try ExperimentStore(path: url, create: false)
        func diagnostics() -> String {
            let status = (try? cluster.run(["sweep", "status", "tiny", "--store", url]).output) ?? ""
            let logs = ((try? FileManager.default.contentsOfDirectory(atPath: "\(cluster.dir)/results/tiny/slurm")) ?? []).filter { $0.hasSuffix(".out") }
                .map { "── \($0)\n" + ((try? String(contentsOfFile: "\(cluster.dir)/results/tiny/slurm/\($0)", encoding: .utf8)) ?? "") }
            return status + logs.joined(separator: "\n")
        }
        struct Timeout: Error {}
        func wait(_ what: String, timeout: TimeInterval, _ done: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while try !done() {
                guard Date() < deadline else { throw Timeout() }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        func studentRun() throws -> Run? { try store.runs(RunFilter(name: Self.student)).first }
        do {
            try wait("the student's first checkpoint", timeout: 120) {
                guard let r = try studentRun(), r.status == .running, r.job != nil else { return false }
                return try store.artifacts(run: r.id).contains { $0.kind == "checkpoint" }
            }
        } catch is Timeout { return XCTFail("the student never committed a checkpoint under Slurm:\n\(diagnostics())") }
        let job = try XCTUnwrap(try studentRun()?.job)
        XCTAssertTrue(job.contains("_"), "an array task: \(job)")
        let cancel = try Slurm.run(scancel, [job])
        XCTAssertEqual(cancel.status, 0, cancel.errors)
        do {
            try wait("the cancelled run to be interrupted", timeout: 30) { try studentRun()?.status == .interrupted }
        } catch is Timeout { return XCTFail("scancel did not leave the run interrupted:\n\(diagnostics())") }
        XCTAssertTrue(try studentRun()?.error?.contains("SIGTERM") ?? false)
        do {  // the rest of the first submission ends
            try wait("the first submission's jobs", timeout: 120) {
                let states = Slurm.jobStates(sweepDirectory: "\(cluster.dir)/results/tiny", jobs: []) ?? [:]
                return !states.values.contains { $0.isAlive }
            }
        } catch is Timeout { return XCTFail("the first submission's jobs did not end:\n\(diagnostics())") }
        let status = try cluster.run(["sweep", "status", "tiny", "--store", url])
        XCTAssertEqual(status.status, 0, status.output)
        let studentLine = status.output.split(separator: "\n").first { $0.contains(Self.student) }.map(String.init) ?? ""
        XCTAssertTrue(studentLine.contains("interrupted") && studentLine.contains(job) && studentLine.contains("CANCELLED"), status.output)
        XCTAssertTrue(status.output.contains("submit the sweep again"), status.output)

        // Submitted again (no fault): one task, which resumes the student from its checkpoint.
        let second = try cluster.run(["sweep", "experiments/tiny.yaml", "--launcher", "slurm", "--store", url])
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertTrue(second.output.contains("resuming 1 interrupted") && second.output.contains("(1 task)"), second.output)
        do {
            try wait("every run finished", timeout: 120) { try store.runs().allSatisfy { $0.status == .finished } }
        } catch is Timeout { return XCTFail("the re-submitted sweep did not finish:\n\(diagnostics())") }
        let log = try String(contentsOfFile: "\(cluster.dir)/results/tiny/\(Self.student)/log.txt", encoding: .utf8)
        XCTAssertTrue(log.contains("resumed from") && log.contains("at epoch 1"), log)
        XCTAssertEqual(try studentRun()?.attempts, 2)
        XCTAssertEqual(Set(try store.runs().compactMap(\.job).map(Slurm.base)).count, 3, "teacher job, first array, second array")

        // Everything as the local run left it.
        let got = try cluster.snapshot(store)
        XCTAssertEqual(Set(got.keys), Set(expected.keys))
        for (name, want) in expected {
            XCTAssertEqual(got[name], want, name)
        }
        let reportLocal = try local.run(["report", "--sweep", "tiny"])
        // Reported from another folder: the PostgreSQL store has no folder, so the files are found
        // (and the report written) under the directory the sweep was launched in.
        let elsewhere = NSTemporaryDirectory() + "reidkd-elsewhere-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        let reportCluster = try cluster.run(["report", "--sweep", "tiny", "--store", url], in: elsewhere)
        XCTAssertEqual(reportLocal.status, 0, reportLocal.output)
        XCTAssertEqual(reportCluster.status, 0, reportCluster.output)
        XCTAssertFalse(reportCluster.output.contains("is missing"), reportCluster.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(cluster.dir)/results/tiny/ranklists"), reportCluster.output)
        XCTAssertEqual(try accuracyColumns("\(cluster.dir)/results/tiny/report.csv"), try accuracyColumns("\(local.dir)/results/tiny/report.csv"))
        print("ClusterChildProcessTests: local reference \(Int(localSeconds)) s, Slurm (two submissions, one cancel) \(Int(Date().timeIntervalSince(start) - localSeconds)) s")
    }

    /// The report's accuracy columns (not speed: timings differ from run to run), per row.
    func accuracyColumns(_ csv: String) throws -> [[String]] {
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try XCTUnwrap(lines.first)
        let keep = ["run", "role", "R1_mean", "R5_mean", "mAP_mean", "mINP_mean", "mAP_retained_pct_mean", "delta_mAP_mean", "gap_closed_mean"]
        let columns = keep.compactMap { header.firstIndex(of: $0) }
        XCTAssertEqual(columns.count, keep.count, "report.csv columns: \(header)")
        return lines.dropFirst().map { row in columns.map { $0 < row.count ? row[$0] : "" } }
    }
}
