// The Slurm launcher's plan without a cluster: teacher stages from the runs' dependencies (one
// teacher; several teachers in parallel; an assistant after them), the sbatch command lines with
// their afterok chain, and the job name a worker finds in a task's environment.
import XCTest
@testable import Distill

final class SlurmPlanTests: XCTestCase {
    func testStagesFollowDependencies() {
        let ids = ["teacher-a": "1", "teacher-b": "2", "assistant": "3", "teacher": "9"]
        XCTAssertEqual(SlurmLauncher.stages([("teacher", [])], todo: ids), [["9"]])
        let ta: [(name: String, dependsOn: [String])] = [("teacher-a", []), ("teacher-b", []), ("assistant", ["teacher-a", "teacher-b"])]
        XCTAssertEqual(SlurmLauncher.stages(ta, todo: ids), [["1", "2"], ["3"]])
        // A re-submission: teacher-a finished (not to do), the assistant still waits for teacher-b.
        XCTAssertEqual(SlurmLauncher.stages(ta, todo: ["teacher-b": "2", "assistant": "3"]), [["2"], ["3"]])
        XCTAssertEqual(SlurmLauncher.stages(ta, todo: ["assistant": "3"]), [["3"]])
        XCTAssertEqual(SlurmLauncher.stages(ta, todo: [:]), [])
    }

    func testCommandsChainEachStageAfterTheOneBefore() throws {
        let launcher = try SlurmLauncher(options: LaunchOptions(workers: 1, extraArguments: ["--time=1:00:00"], executable: "/bin/reidkd"))
        let plan = SlurmLauncher.Plan(stages: [["1", "2"], ["3"]], tasks: 4)
        let jobs = ["100", "101", "102"]
        let c = launcher.commands(plan, dir: "/r/s/slurm", previous: { jobs[$0] })
        XCTAssertEqual(c.map(\.0), ["/r/s/slurm/teacher.sbatch", "/r/s/slurm/teacher-stage2.sbatch", "/r/s/slurm/students.sbatch"])
        XCTAssertEqual(c[0].1, ["--parsable", "--array=0-1", "--time=1:00:00"])
        XCTAssertEqual(c[1].1, ["--parsable", "--dependency=afterok:100", "--kill-on-invalid-dep=yes", "--time=1:00:00"])
        XCTAssertEqual(c[2].1, ["--parsable", "--array=0-3", "--dependency=afterok:101", "--kill-on-invalid-dep=yes", "--time=1:00:00"])
        // No teacher left to train: the array alone, without a dependency.
        let alone = launcher.commands(SlurmLauncher.Plan(stages: [], tasks: 2), dir: "/d", previous: { _ in XCTFail("no dependency"); return "" })
        XCTAssertEqual(alone.map(\.1), [["--parsable", "--array=0-1", "--time=1:00:00"]])
    }

    func testJobOfAWorkerAndShellWords() throws {
        XCTAssertEqual(SweepLaunchers.currentJob(["SLURM_JOB_ID": "77", "SLURM_ARRAY_JOB_ID": "70", "SLURM_ARRAY_TASK_ID": "3"]), "70_3")
        XCTAssertEqual(SweepLaunchers.currentJob(["SLURM_JOB_ID": "77"]), "77")
        XCTAssertNil(SweepLaunchers.currentJob([:]))
        XCTAssertEqual(try LaunchOptions.words(#"--partition=cpu --comment "two words" --x='a b' c\ d"#),
                       ["--partition=cpu", "--comment", "two words", "--x=a b", "c d"])
        XCTAssertThrowsError(try LaunchOptions.words("--x \"open"))
        XCTAssertEqual(Slurm.base("1234_[2-3]"), "1234")
        let m = "\((try? SweepLaunchers.named("slrum")).map { "\($0)" } ?? "")"
        XCTAssertEqual(m, "")
        do { _ = try SweepLaunchers.named("slrum"); XCTFail() } catch { XCTAssertTrue("\(error)".contains("did you mean 'slurm'"), "\(error)") }
    }
}
