// The bad-input battery: the built `reidkd` binary, run on each hostile or broken input, must
// exit non-zero (no signal, no hang) with exactly one `reidkd: error: …` line on stderr that
// names the problem, and leave the scratch folder — stores by content, every other file by
// SHA-256 — exactly as it was. The inputs are written by BadInputFixtures.swift.
import XCTest
import Foundation
import Support
import Data
import NN
import Store
import Tensor

final class BadInputChildProcessTests: XCTestCase {
    struct Case {
        let args: [String]
        /// A piece of the expected error line (after `reidkd: error: `).
        let expect: String
        /// Run as an unprivileged user (root writes through read-only permissions).
        var unprivileged = false
    }

    func reidkd() throws -> URL {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("reidkd")
        guard FileManager.default.isExecutableFile(atPath: bin.path) else {
            throw XCTSkip("reidkd binary not built next to the tests (\(bin.path)); `make test` builds it")
        }
        return bin
    }

    func testBadInputsFailWithOneClearLineAndChangeNothing() throws {
        let bin = try reidkd()
        let root = NSTemporaryDirectory() + "reidkd-bad-inputs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let work = "\(root)/work", logs = "\(root)/logs"
        try BadInputs.mkdir(logs)
        let cases = try Self.prepare(work)
        let before = Self.snapshot(work)
        let start = Date()
        var childSeconds = 0.0
        let demote = try Self.demotion(bin, logs: logs)
        for (i, c) in cases.enumerated() {
            let shown = "reidkd " + c.args.joined(separator: " ")
            if c.unprivileged, demote == nil { print("bad-input battery: skipped \(shown): cannot run it as an unprivileged user"); continue }
            let r = try Self.runChild(bin, c.args, cwd: work, logs: "\(logs)/\(i)", prefix: c.unprivileged ? demote! : [])
            XCTAssertFalse(r.timedOut, "\(shown): still running after \(Self.timeout) s (hang?)")
            XCTAssertEqual(r.reason, .exit, "\(shown): killed by signal \(r.status); stderr: \(r.stderr)")
            XCTAssertNotEqual(r.status, 0, "\(shown): exit status 0 on bad input")
            let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            XCTAssertEqual(lines.count, 1, "\(shown): expected one stderr line, got:\n\(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("reidkd: error: "), "\(shown): stderr does not start with 'reidkd: error: ': \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(c.expect), "\(shown): expected '\(c.expect)' in: \(r.stderr)")
            let after = Self.snapshot(work)
            XCTAssertTrue(before == after, "\(shown) changed the scratch folder: " + Self.difference(before, after))
            childSeconds += r.seconds
            if r.seconds > 1 { print("bad-input battery: \(shown) took \(String(format: "%.1f", r.seconds)) s") }
        }
        print("bad-input battery: \(cases.count) cases in \(String(format: "%.1f", Date().timeIntervalSince(start))) s (children \(String(format: "%.1f", childSeconds)) s)")
    }

    // MARK: The cases

    static func prepare(_ w: String) throws -> [Case] {
        let write = BadInputs.write as (String, String) throws -> Void
        let writeBytes = BadInputs.write as ([UInt8], String) throws -> Void
        try BadInputs.mkdir(w)
        try write("x", "\(w)/afile")                       // a file where a folder is needed
        try BadInputs.mkdir("\(w)/afolder")

        // YAML configs and sweep files.
        try write(BadInputs.billionLaughs, "\(w)/laughs.yaml")
        try write("name: laughs\ncommon: {SEED: 1}\n" + BadInputs.billionLaughs, "\(w)/laughs-sweep.yaml")
        try write("MODEL: {BACKBONE: {DEPTH: 18}}\nSOLVER: BASE_LR: 1\n", "\(w)/syntax.yaml")
        try write(String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n", "\(w)/deep.yaml")
        try write("MODEL: {BACKBONE: {DEPTHH: 18}}\n", "\(w)/unknown-key.yaml")
        try write("SOLVER: {BASE_LR: fast}\n", "\(w)/ill-typed.yaml")
        try write("SEED: 1\nSEED: 2\n", "\(w)/twice.yaml")
        try write("_BASE_: cycle-b.yaml\n", "\(w)/cycle-a.yaml")
        try write("_BASE_: cycle-a.yaml\n", "\(w)/cycle-b.yaml")
        try writeBytes([0xFF, 0xFE, 0x00, 0x9C, 0x80, 0x00, 0x1B], "\(w)/binary.yaml")
        try write(BadInputs.modelYAML, "\(w)/ok-config.yaml")
        try write("_BASE_: ok-config.yaml\nOUTPUT_DIR: out/train\n", "\(w)/train-nodata.yaml")
        try write("name: ..\n", "\(w)/sweep-dotdot.yaml")
        try write("name: ok\nstudents: {\"../../escape\": {}}\n", "\(w)/sweep-escape.yaml")
        try write("name: \"x'; DROP TABLE sweeps;--\"\n", "\(w)/sweep-sql.yaml")
        try write("name: \"a\\e[2J\\nb\"\n", "\(w)/sweep-control.yaml")
        try write("name: \(String(repeating: "a", count: 65))\n", "\(w)/sweep-long.yaml")
        try write("name: ok\ngrid: {KD.TEMPERATURE: [\(String(repeating: "1", count: 220))]}\n", "\(w)/sweep-longrun.yaml")
        try write("name: ok\nteachr: {}\n", "\(w)/sweep-unknown.yaml")
        try write("name: ok\nseeds: [one]\n", "\(w)/sweep-seeds.yaml")
        try write("name: ok\n", "\(w)/sweep-empty.yaml")
        try write("name: ok\ncommon: {MODEL.FOO: 1}\nbaseline: true\n", "\(w)/sweep-badkey.yaml")
        try write("name: ok\nstudent: {config: ok-config.yaml}\nbaseline: true\n", "\(w)/sweep-ok.yaml")

        // Stores.
        try write("SQLite format 3? no: just text\n", "\(w)/notastore.sqlite")
        _ = try ExperimentStore(path: "\(w)/store.sqlite")
        try BadInputs.storeFromTheFuture("\(w)/future.sqlite")
        try BadInputs.mkdir("\(w)/ro")
        _ = try ExperimentStore(path: "\(w)/ro/store.sqlite")

        // Images and datasets.
        let pngBomb = try BadInputs.pngBomb(), jpegBomb = try BadInputs.jpegBomb()
        let png = try PNGCodec.encode(BadInputs.tinyImage())
        var badCRC = png; badCRC[30] ^= 0xFF
        try BadInputs.dataset("\(w)/ds-pngbomb", bad: pngBomb)
        try BadInputs.dataset("\(w)/ds-jpegbomb", bad: jpegBomb, name: "0003_c1s1_000003_01.jpg")
        try BadInputs.dataset("\(w)/ds-truncated", bad: Array(png.prefix(60)))
        try BadInputs.dataset("\(w)/ds-notimage", bad: Array("<html>not an image</html>".utf8))
        try BadInputs.dataset("\(w)/ds-empty", bad: [])
        try BadInputs.dataset("\(w)/ds-badcrc", bad: badCRC)
        try writeBytes(pngBomb, "\(w)/bomb.png")
        try writeBytes(Array(png.prefix(60)), "\(w)/truncated.png")
        try writeBytes(png, "\(w)/ok.png")

        // Models: an export folder, broken variants of it, and broken checkpoints.
        let (model, config) = try BadInputs.model()
        try BadInputs.exportFolder("\(w)/export-ok", model: model, config: config)
        for v in ["typo", "huge", "notjson", "nomean", "mismatch"] { try BadInputs.exportFolder("\(w)/export-\(v)", model: model, config: config) }
        try BadInputs.preprocess("\(w)/export-typo") { $0["input_size"] = "big" }
        try BadInputs.preprocess("\(w)/export-huge") { $0["input_size"] = [100_000, 100_000] }
        try write("{\"format\": \"reidkd-preprocess\", ", "\(w)/export-notjson/preprocess.json")
        try BadInputs.preprocess("\(w)/export-nomean") { $0["mean"] = nil }
        var state = model.stateDict()
        state[0].1 = Tensor.zeros([state[0].1.count + 1])   // the first backbone tensor: wrong shape
        try Checkpoint.save(state, config: config, to: "\(w)/export-mismatch/model.safetensors")
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(w)/export-ok/model.safetensors")))
        try writeBytes((0..<64).map { UInt8(($0 * 73 + 11) % 256) }, "\(w)/garbage.safetensors")
        try writeBytes(Array(good.prefix(good.count / 2)), "\(w)/truncated.safetensors")
        try writeBytes(BadInputs.safetensors(header: "{\"w\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904,1],\"data_offsets\":[0,8]}}",
                                             data: Array(repeating: 0, count: 8)), "\(w)/overflow.safetensors")
        try writeBytes(BadInputs.safetensors(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                                             data: Array(repeating: 0, count: 8)), "\(w)/gap.safetensors")
        try Checkpoint.save(model.stateDict(), to: "\(w)/noconfig.safetensors")
        try Checkpoint.save(model.stateDict(), metadata: [Checkpoint.configKey: BadInputs.billionLaughs], to: "\(w)/laughs.safetensors")
        try Checkpoint.save(model.stateDict(), metadata: [Checkpoint.configKey: "MODEL.FOO: 1\n"], to: "\(w)/oldkey.safetensors")
        try BadInputs.storeWithUnsafeSweepName("\(w)/unsafe.sqlite", checkpoint: "\(w)/export-ok/model.safetensors")

        // .npy files and id lists.
        try writeBytes(BadInputs.npyFloats(3, 4), "\(w)/ok.npy")
        try write("1,0\n2,1\n3,0\n", "\(w)/ok.csv")
        try write("1,0\n2,x\n", "\(w)/bad.csv")
        try writeBytes(BadInputs.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }",
                                     data: Array(repeating: 0, count: 8)), "\(w)/bigshape.npy")
        var bigHeader = BadInputs.npyFloats(3, 4)
        bigHeader[6] = 2; bigHeader.insert(contentsOf: [0xFF, 0x7F], at: 10); bigHeader[8] = 0xFF; bigHeader[9] = 0xFF
        try writeBytes(bigHeader, "\(w)/bighdr.npy")
        try write("hello, not numpy", "\(w)/magic.npy")
        try writeBytes(BadInputs.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1), }",
                                     data: [0, 0, 0, 0]), "\(w)/3d.npy")
        try writeBytes(BadInputs.npy(header: "{'descr': '\u{1B}[2J\u{7}\nevil', 'fortran_order': False, 'shape': (1, 1), }",
                                     data: [0, 0, 0, 0]), "\(w)/inject.npy")

        chmod("\(w)/ro/store.sqlite", 0o444)
        chmod("\(w)/ro", 0o555)
        func features(query: String = "ok.npy", queryIds: String = "ok.csv") -> [String] {
            ["eval-features", "--query", query, "--gallery", "ok.npy", "--query-ids", queryIds, "--gallery-ids", "ok.csv"]
        }
        let sql = "x'; DROP TABLE runs;--"
        return [
            // YAML and configs
            Case(args: ["config", "show", "laughs.yaml"], expect: "more than 100000 nodes through its aliases"),
            Case(args: ["sweep", "laughs-sweep.yaml", "--store", "new.sqlite"], expect: "more than 100000 nodes through its aliases"),
            Case(args: ["config", "show", "syntax.yaml"], expect: "not valid YAML at line 2"),
            Case(args: ["config", "show", "deep.yaml"], expect: "nest deeper than"),
            Case(args: ["config", "show", "unknown-key.yaml"], expect: "unknown config key MODEL.BACKBONE.DEPTHH"),
            Case(args: ["config", "show", "ill-typed.yaml"], expect: "SOLVER.BASE_LR"),
            Case(args: ["config", "show", "twice.yaml"], expect: "line 2: key 'SEED' is set twice"),
            Case(args: ["config", "show", "cycle-a.yaml"], expect: "_BASE_ cycle"),
            Case(args: ["config", "show", "binary.yaml"], expect: "binary.yaml"),
            Case(args: ["config", "show", "missing.yaml"], expect: "cannot read config file"),
            Case(args: ["config", "show", "ok-config.yaml", "--opts", "MODEL.BACKBONE.DEPTH"], expect: "--opts"),
            Case(args: ["config", "show", "ok-config.yaml", "--opts", sql, "1"], expect: "unknown config key"),
            Case(args: ["config", "show", "ok-config.yaml", "--opts", "SOLVER.BASE_LR", BadInputs.billionLaughs], expect: "SOLVER.BASE_LR"),
            Case(args: ["train", "train-nodata.yaml"], expect: "no-such-dataset: no such folder"),
            // Sweep files: unsafe names, bad keys, folders that cannot be made
            Case(args: ["sweep", "sweep-dotdot.yaml", "--store", "new.sqlite"], expect: "field 'name': '..' is not a safe folder name"),
            Case(args: ["sweep", "sweep-escape.yaml", "--store", "new.sqlite"], expect: "architecture '../../escape' is not a safe folder name"),
            Case(args: ["sweep", "sweep-sql.yaml", "--store", "new.sqlite"], expect: "it contains '''"),
            Case(args: ["sweep", "sweep-control.yaml", "--store", "new.sqlite"], expect: "it contains U+1B"),
            Case(args: ["sweep", "sweep-long.yaml", "--store", "new.sqlite"], expect: "the limit is 64"),
            Case(args: ["sweep", "sweep-longrun.yaml", "--store", "new.sqlite"], expect: "run name"),
            Case(args: ["sweep", "sweep-unknown.yaml", "--store", "new.sqlite"], expect: "unknown sweep key 'teachr'"),
            Case(args: ["sweep", "sweep-seeds.yaml", "--store", "new.sqlite"], expect: "'one' is not an integer"),
            Case(args: ["sweep", "sweep-empty.yaml", "--store", "new.sqlite"], expect: "the sweep plans no run"),
            Case(args: ["sweep", "sweep-badkey.yaml", "--store", "store.sqlite", "--dry-run"], expect: "unknown config key MODEL.FOO"),
            Case(args: ["sweep", "sweep-ok.yaml", "--store", "afile/sub/new.sqlite"], expect: "cannot create folder"),
            Case(args: ["sweep", "missing.yaml"], expect: "cannot read the sweep file"),
            // Stores
            Case(args: ["runs", "list", "--store", "notastore.sqlite"], expect: "is not a ReidKD experiment store"),
            Case(args: ["runs", "list", "--store", "afolder"], expect: "afolder"),
            Case(args: ["runs", "list", "--store", "future.sqlite"], expect: "newer ReidKD"),
            Case(args: ["runs", "show", "999", "--store", "store.sqlite"], expect: "no run with id 999"),
            Case(args: ["runs", "compare", "1", "999", "--store", "store.sqlite"], expect: "no run with id"),
            Case(args: ["runs", "list", "--store", "store.sqlite", "--sweep", sql], expect: "no sweep named"),
            Case(args: ["sweep", "sweep-ok.yaml", "--store", "ro/store.sqlite"], expect: "ro/store.sqlite", unprivileged: true),
            Case(args: ["sweep", "sweep-ok.yaml", "--store", "ro/new.sqlite"], expect: "permission denied on", unprivileged: true),
            Case(args: ["report", "--store", "store.sqlite"], expect: "holds no sweep"),
            Case(args: ["report", "--store", "notastore.sqlite"], expect: "is not a ReidKD experiment store"),
            Case(args: ["report", "--store", "unsafe.sqlite", "--sweep", ".."], expect: "not a safe folder name"),
            Case(args: ["export", "--best", "--store", "unsafe.sqlite", "--sweep", ".."], expect: "would write outside"),
            Case(args: ["export", "--best", "--store", "missing.sqlite"], expect: "no experiment store at missing.sqlite"),
            // Images: dimension bombs, corrupt files
            Case(args: ["data", "stats", "ds-pngbomb", "--verify"], expect: "PNG header declares 60000×60000 pixels"),
            Case(args: ["data", "stats", "ds-jpegbomb", "--verify"], expect: "JPEG header declares 65000×65000 pixels"),
            Case(args: ["data", "stats", "ds-truncated", "--verify"], expect: "PNG"),
            Case(args: ["data", "stats", "ds-notimage", "--verify"], expect: "not a PNG or JPEG"),
            Case(args: ["data", "stats", "ds-empty", "--verify"], expect: "file is empty"),
            Case(args: ["data", "stats", "ds-badcrc", "--verify"], expect: "PNG"),
            Case(args: ["data", "sheet", "ds-notimage", "--split", "bogus", "--out", "sheet.png"], expect: "--split"),
            Case(args: ["data", "synth", "--out", "afile/sub", "--ids", "4"], expect: "cannot create folder"),
            Case(args: ["embed", "export-ok", "bomb.png"], expect: "at most 16384 pixels per side"),
            Case(args: ["embed", "export-ok", "truncated.png"], expect: "truncated.png"),
            Case(args: ["embed", "export-ok", "/dev/zero"], expect: "not a regular file"),
            Case(args: ["embed", "export-ok", "ok.png", "--out", "afile/x.npy"], expect: "cannot write file afile/x.npy"),
            // JSON sidecars
            Case(args: ["embed", "export-typo", "ok.png"], expect: "field 'input_size': expected a list"),
            Case(args: ["embed", "export-huge", "ok.png"], expect: "field 'input_size' is [100000, 100000]"),
            Case(args: ["embed", "export-notjson", "ok.png"], expect: "not valid JSON"),
            Case(args: ["embed", "export-nomean", "ok.png"], expect: "field 'mean' is missing"),
            // Checkpoints
            Case(args: ["embed", "export-mismatch", "ok.png"], expect: "shape"),
            Case(args: ["eval", "garbage.safetensors"], expect: "garbage.safetensors"),
            Case(args: ["eval", "truncated.safetensors"], expect: "truncated"),
            Case(args: ["eval", "overflow.safetensors"], expect: "more than any file holds"),
            Case(args: ["eval", "gap.safetensors"], expect: "data_offsets begin at 4"),
            Case(args: ["eval", "noconfig.safetensors"], expect: "carries no config"),
            Case(args: ["eval", "laughs.safetensors"], expect: "more than 100000 nodes through its aliases"),
            Case(args: ["eval", "oldkey.safetensors"], expect: "unknown config key MODEL.FOO"),
            // .npy headers and id lists
            Case(args: features(query: "bigshape.npy"), expect: "more bytes than any file holds"),
            Case(args: features(query: "bighdr.npy"), expect: "header claims"),
            Case(args: features(query: "magic.npy"), expect: "not a NumPy .npy file"),
            Case(args: features(query: "3d.npy"), expect: "expected a 2-D array"),
            Case(args: features(query: "/dev/zero"), expect: "not a regular file"),
            Case(args: features(query: "inject.npy"), expect: "is not supported"),
            Case(args: features(queryIds: "bad.csv"), expect: "bad.csv:2"),
        ]
    }
}
